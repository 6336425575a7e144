"""Benchmarks (``make bench``), not tests: they print figures, never assert.

``python -m bench [--sizes 200,400]`` times replui's streamed rebuild against
the seed procedure (dump | gzip > file, copy, gunzip < file | client) and a
bare ``dump | client`` pipe on a throwaway two-node lab.
"""
