#!/usr/bin/env python3
"""Seed rows for bench/run.sh's big-table row (--big-table-gb), as COPY text on stdout.

usage: big_table_rows.py ROWS

An orders-like table: id, account_id, created_at, amount, status, email, note. The note is 3-20
words drawn from a 5,000-word made-up vocabulary with a Zipf-like frequency (as words in real
text), the e-mail address is built from name lists, the numbers are random: the heap pages
compress about 2x with lz4 -1, like ordinary table data (pgbench_accounts' blank filler would
compress far better than real tables). Deterministic (fixed seed). run.sh loads ROWS of these
once and then inserts shifted copies of them (new ids, accounts and times) until the table has
the requested size; lz4's 64 KiB window never sees the repetition.
"""
import datetime
import random
import sys


def main():
    rows = int(sys.argv[1])
    rnd = random.Random(11)
    syl = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "be", "da", "fe", "gi", "ho", "ju", "pe",
           "qu", "ri", "so", "tu", "we", "xa", "yo", "ze", "an", "el", "in", "on", "ur", "st", "tr"]

    def word(lo, hi):
        return "".join(rnd.choice(syl) for _ in range(rnd.randint(lo, hi)))

    vocab = [word(1, 4) for _ in range(5000)]
    weights = [1.0 / (i + 1) ** 1.1 for i in range(len(vocab))]
    first = [word(2, 3) for _ in range(300)]
    last = [word(2, 4) for _ in range(1000)]
    domains = ["example.com", "mail.test", "post.example", "inbox.test", "corp.example"]
    status = ["new", "paid", "shipped", "delivered", "cancelled", "refunded"]
    t = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc).timestamp()
    words = rnd.choices(vocab, weights, k=rows * 12)
    w = 0
    out = []
    for i in range(1, rows + 1):
        t += rnd.random() * 2
        k = rnd.randint(3, 20)
        if w + k > len(words):
            w = 0
        ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
        out.append("%d\t%d\t%s+00\t%d.%02d\t%s\t%s.%s%d@%s\t%s\n" % (
            i, rnd.randint(1, 1000000), ts, rnd.randint(0, 99999), rnd.randint(0, 99),
            status[rnd.randrange(6)], rnd.choice(first), rnd.choice(last), rnd.randint(1, 999),
            rnd.choice(domains), " ".join(words[w:w + k])))
        w += k
        if len(out) >= 10000:
            sys.stdout.write("".join(out))
            out = []
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
