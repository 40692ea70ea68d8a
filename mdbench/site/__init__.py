"""A static website of the committed boards, data cards, generation records and figures.

``mdbench site build --out DIR`` (``make site``) renders it from what is committed and nothing typed
by hand: the README's own sections, every system's data cards and generation records, every task's
declared metrics and committed leaderboard JSON, and the recorded figures (copied into the site).
Every page is self-contained (data inlined, relative links, own CSS and JavaScript, no CDN), so it
opens from ``file://`` offline and from any static host.  See :mod:`mdbench.site.build`.
"""
