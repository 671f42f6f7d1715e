#include <cstdio>
int main() { std::puts("1.1.1"); return 0; }
