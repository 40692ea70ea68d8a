"""What the channel generator fixes about its numerics, without importing torch: the dataset declaration (its
shard key) and the DNS run (its restart sidecars) read it from here."""

#: torch intra-op threads of the DNS and the filter (their reductions split per thread, so the count is part of
#: the numerics): the committed hashes were made on one
TORCH_THREADS = 1
