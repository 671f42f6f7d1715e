// The control for upward_include.cpp: the same target set-up includes headers
// of modules it links (directly and through PUBLIC dependencies) and compiles.
#include "core/error.h"
#include "io/byte_source.h"
#include "store/object_store.h"
