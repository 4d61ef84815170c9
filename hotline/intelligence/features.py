"""Character n-gram features computed with numpy alone (no sklearn at prediction time).

A character n-gram (n ≤ 3) is encoded exactly as one uint64: every character's code point fits in 21
bits, so the n code points are packed side by side. Unigrams are < 2**21, bigrams (whose first
character is never NUL) lie in [2**21, 2**42), trigrams in [2**42, 2**63), so codes of different
orders never collide. A vocabulary is a sorted array of codes; a batch of texts becomes a sparse count
matrix with one `searchsorted`, which is what makes batch classification fast.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

CODE_BITS = 21
MAX_ORDER = 3
_SEPARATOR = "\x00"


def code_points(text: str) -> np.ndarray:
    """The text's code points (uint64), with full-width ASCII folded to ASCII and A–Z lower-cased."""
    points = np.frombuffer(text.encode("utf-32-le", "replace"), dtype=np.uint32).astype(np.uint64)
    full_width = (points >= 0xFF01) & (points <= 0xFF5E)
    points[full_width] -= np.uint64(0xFEE0)
    points[points == 0x3000] = 0x20
    upper = (points >= 0x41) & (points <= 0x5A)
    points[upper] += np.uint64(0x20)
    return points


def ngram_codes(texts: Sequence[str], ngram_range: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The (document index, n-gram code) of every character n-gram occurrence in the texts (folded as in `code_points`)."""
    low, high = ngram_range
    if not 1 <= low <= high <= MAX_ORDER:
        raise ValueError(f"ngram_range must lie within 1..{MAX_ORDER}: {ngram_range}")
    n_docs = len(texts)
    if n_docs == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint64)
    lengths = np.fromiter((len(text) + 1 for text in texts), dtype=np.int64, count=n_docs)
    points = code_points(_SEPARATOR.join(texts) + _SEPARATOR)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    is_sep = np.concatenate(([0], np.cumsum(points == 0)))
    total = len(points)
    docs_parts: list[np.ndarray] = []
    code_parts: list[np.ndarray] = []
    for order in range(low, high + 1):
        count = total - order + 1
        if count <= 0:
            continue
        codes = points[:count].copy()
        for offset in range(1, order):
            codes <<= np.uint64(CODE_BITS)
            codes |= points[offset : offset + count]
        clean = (is_sep[order : order + count] - is_sep[:count]) == 0
        docs_parts.append(doc_of[:count][clean])
        code_parts.append(codes[clean])
    return np.concatenate(docs_parts), np.concatenate(code_parts)


def count_matrix(
    texts: Sequence[str], vocabulary: np.ndarray, ngram_range: tuple[int, int]
) -> sp.csr_matrix:
    """Term counts (float32 CSR, documents × vocabulary) of the n-grams found in a sorted vocabulary."""
    docs, codes = ngram_codes(texts, ngram_range)
    size = len(vocabulary)
    if size == 0 or len(codes) == 0:
        return sp.csr_matrix((len(texts), size), dtype=np.float32)
    index = np.searchsorted(vocabulary, codes)
    index[index == size] = 0
    hit = vocabulary[index] == codes
    ones = np.ones(int(hit.sum()), dtype=np.float32)
    matrix = sp.csr_matrix((ones, (docs[hit], index[hit])), shape=(len(texts), size), dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


def fit_counts(texts: Sequence[str], ngram_range: tuple[int, int]) -> tuple[np.ndarray, sp.csr_matrix]:
    """The sorted vocabulary of every n-gram in the texts, and the texts' count matrix over it."""
    docs, codes = ngram_codes(texts, ngram_range)
    vocabulary, index = np.unique(codes, return_inverse=True)
    matrix = sp.csr_matrix(
        (np.ones(len(codes), dtype=np.float32), (docs, index.ravel())),
        shape=(len(texts), len(vocabulary)),
        dtype=np.float32,
    )
    matrix.sum_duplicates()
    return vocabulary, matrix


def document_frequency(counts: sp.csr_matrix) -> np.ndarray:
    """How many rows of a count matrix contain each column."""
    return np.bincount(counts.indices, minlength=counts.shape[1]).astype(np.int64)


def smooth_idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """Smoothed inverse document frequency, ln((1 + n) / (1 + df)) + 1, as float32."""
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Raw term frequency × idf, each row scaled to unit L2 norm."""
    weighted = counts.multiply(idf[np.newaxis, :]).tocsr().astype(np.float32)
    return l2_normalize(weighted)


def l2_normalize(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """Scale every non-empty row of a CSR matrix to unit L2 norm."""
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1), dtype=np.float64).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags((1.0 / norms).astype(np.float32)) @ matrix)


def binary(counts: sp.csr_matrix) -> sp.csr_matrix:
    """Presence (1) instead of counts."""
    out = counts.copy()
    out.data = np.ones_like(out.data)
    return out


def hashed_shingles(texts: Sequence[str], size: int = 4) -> sp.csr_matrix:
    """Sublinear-tf, L2-normalised counts of hashed character `size`-grams of word characters (for near-duplicates)."""
    stripped = ["".join(ch for ch in text if ch.isalnum()) for text in texts]
    docs_parts: list[np.ndarray] = []
    hash_parts: list[np.ndarray] = []
    prime = np.uint64(1_000_003)
    for doc, text in enumerate(stripped):
        points = code_points(text)
        count = len(points) - size + 1
        if count <= 0:
            continue
        hashed = np.zeros(count, dtype=np.uint64)
        for offset in range(size):
            hashed = hashed * prime + points[offset : offset + count]
        docs_parts.append(np.full(count, doc, dtype=np.int64))
        hash_parts.append(hashed % np.uint64(1 << 31))
    if not docs_parts:
        return sp.csr_matrix((len(texts), 0), dtype=np.float32)
    docs = np.concatenate(docs_parts)
    hashes = np.concatenate(hash_parts).astype(np.int64)
    columns, inverse = np.unique(hashes, return_inverse=True)
    matrix = sp.csr_matrix(
        (np.ones(len(docs), dtype=np.float32), (docs, inverse)), shape=(len(texts), len(columns))
    )
    matrix.sum_duplicates()
    matrix.data = 1.0 + np.log(matrix.data)
    idf = smooth_idf(document_frequency(matrix), len(texts))
    return l2_normalize(matrix.multiply(idf[np.newaxis, :]).tocsr().astype(np.float32))
