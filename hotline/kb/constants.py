"""Thresholds of the knowledge base (知识库)."""

#: Articles the intake page suggests as the description is typed.
SUGGEST_LIMIT = 5
#: Characters a suggestion query must have before the index is asked.
SUGGEST_MIN_CHARS = 2
#: Longest query text taken from the request (a long description is cut; the start says most).
QUERY_MAX_CHARS = 300
#: Distinct query terms searched at most (longest first).
QUERY_TERMS = 12
#: Results of one page of the public FAQ search.
FAQ_PAGE_SIZE = 10
#: Similar past replies shown to the unit writing a reply.
SIMILAR_REPLIES = 3
#: Public FAQ searches per client IP per window (seconds).
FAQ_RATE_LIMIT = (30, 60)
#: Excerpt lengths on the similar-replies panel.
REQUEST_EXCERPT = 120
REPLY_EXCERPT = 300
#: The mark an answer taken from an article carries; the usage receiver reads it back (〔知识库 KB-0012 第3版〕).
MARK_TEMPLATE = "〔知识库 {code} 第{number}版〕"
MARK_PATTERN = r"〔知识库 (?P<code>KB-\d+) 第(?P<number>\d+)版〕"
#: Articles a search may rank at most, summed over the terms it keeps (rarest terms first).
MATCH_BUDGET = 2000
#: Terms a search keeps at most.
MAX_MATCH_TERMS = 6
#: Above this many matching articles the results are not ranked (a one-word query on a huge base).
RANK_CAP = 20000
