"""Contract generation: `python -m bench contracts` (1,000 full contracts, Japanese and bilingual).

`measure(n)` generates n full contracts (assembly + .docx rendering, as the service and the CLI do) and,
in the same run, a bare python-docx baseline that writes the same paragraph texts into a fresh
`docx.Document()` and saves it. It reports ms per document for both, their ratio, and memory: the
resident set size after each quarter of the run and the growth per document after the first quarter.
Memory is measured after a full collection and a malloc_trim (see `_settled_rss_kib`), with the count
of live Python objects beside it; flat means the later quarters do not climb with every document.
"""

from __future__ import annotations

import ctypes
import gc
import io
import json
import os
import sys
import time

import docx

from bench import figure
from contracts.assembly import Document, assemble
from contracts.docx_render import render_docx

REQUEST = {
    "template": "full",
    "params": {"consignor_name": "さくら商事株式会社", "contractor_name": "株式会社東都システム",
               "consignor_address": "東京都千代田区丸の内一丁目1番1号",
               "contractor_address": "大阪府大阪市北区梅田二丁目2番2号",
               "service_description": "会員サポート窓口の運営", "data_items": ["name", "address", "phone", "email"],
               "person_count": 1_380_000, "includes_my_number": True, "contract_date": "2026-04-01"},
}


def document_texts(document: Document, lang: str = "ja") -> list[str]:
    """The paragraph texts a renderer writes for one language (for the baseline to write the same)."""
    texts = [document.title.get(lang), *(b.get(lang) for b in document.preamble)]
    for article in document.articles:
        texts.append(article.heading.get(lang))
        for paragraph in article.paragraphs:
            texts.append(paragraph.marker.get(lang) + paragraph.text.get(lang))
            texts.extend(item.marker.get(lang) + item.text.get(lang) for item in paragraph.items)
    texts.append(document.closing.get(lang))
    texts.append(document.date_text.get(lang))
    for party in document.parties:
        texts.extend([party.role.get(lang) + party.address, party.name, party.representative + "印"])
    return texts


def _rss_kib() -> int:
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except OSError:  # pragma: no cover - not Linux
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _settled_rss_kib() -> int:
    """RSS after a full collection and, on glibc, returning freed heap pages to the system.

    Without the trim, RSS rises and falls by tens of MB as libxml2's freed blocks stay in the heap, which
    hides whether anything is actually kept per document.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except OSError:  # pragma: no cover - not glibc
        pass
    return _rss_kib()


def _bare(texts: list[str]) -> bytes:
    document = docx.Document()
    for text in texts:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _contract(language: str) -> bytes:
    return render_docx(assemble({**REQUEST, "language": language}))


def measure(n: int = 1000, language: str = "ja") -> dict:
    """ms per contract, ms per bare document with the same paragraphs, their ratio, and memory growth."""
    langs = ("ja", "en") if language == "bilingual" else (language,)
    sample = assemble({**REQUEST, "language": language})
    texts = [t for lang in langs for t in document_texts(sample, lang)]
    for _ in range(20):  # warm-up: imports, the cached library and base document
        _bare(texts)
        _contract(language)
    gc.collect()
    start = time.perf_counter()
    for _ in range(n):
        _bare(texts)
    bare = (time.perf_counter() - start) / n
    checkpoints = {max(1, n * q // 4) for q in (1, 2, 3, 4)}
    rss, objects, ours = [], [], 0.0
    done = 0
    for checkpoint in sorted(checkpoints):
        start = time.perf_counter()
        for _ in range(checkpoint - done):
            _contract(language)
        ours += time.perf_counter() - start
        done = checkpoint
        rss.append(_settled_rss_kib())
        objects.append(len(gc.get_objects()))
    ours /= n
    # The first quarter settles caches and the allocator; after that the live size must not climb.
    growth = (rss[-1] - rss[0]) * 1024 / max(n - n // 4, 1)
    return {"documents": n, "language": language, "paragraphs": len(texts), "contract_ms": round(ours * 1000, 2),
            "bare_python_docx_ms": round(bare * 1000, 2), "ratio": round(ours / bare, 3),
            "rss_kib_at_quarters": rss, "python_objects_at_quarters": objects,
            "rss_growth_bytes_per_document_after_first_quarter": round(growth, 1)}


# A document keeps nothing once saved (~70 KB of XML each): under 4 KiB per document over the run is flat.
FLAT_BYTES_PER_DOCUMENT = 4096


def run(backend: str, *, keep: bool = False, runs: int = 40, documents: int = 1000) -> dict[str, dict]:
    """Generate `documents` full contracts in Japanese and again bilingual, each beside the bare script."""
    results = {}
    for language, name in (("ja", "contract_docx"), ("bilingual", "contract_docx_bilingual")):
        m = measure(documents, language)
        print(f"  {name}: {m['contract_ms']} ms per contract vs bare python-docx {m['bare_python_docx_ms']} ms "
              f"({m['paragraphs']} paragraphs); RSS at quarters {m['rss_kib_at_quarters']} KiB")
        results[name] = figure(
            m["contract_ms"], "ms", m["bare_python_docx_ms"], "≤ 1.5× the bare script and < 60 ms",
            m["contract_ms"] <= 1.5 * m["bare_python_docx_ms"] and m["contract_ms"] < 60,
            documents=documents, language=language, paragraphs=m["paragraphs"],
            via="contracts.assembly.assemble + contracts.docx_render.render_docx (what the service, API and CLI "
                "call), bytes kept in memory",
            baseline_script="docx.Document(); add_paragraph(text) for the same paragraph texts; save to BytesIO")
        growth = m["rss_growth_bytes_per_document_after_first_quarter"]
        results[f"{name}_memory_growth"] = figure(
            growth, "bytes/document", FLAT_BYTES_PER_DOCUMENT, "flat: < 4 KiB per document after the first quarter",
            growth < FLAT_BYTES_PER_DOCUMENT, rss_kib_at_quarters=m["rss_kib_at_quarters"],
            python_objects_at_quarters=m["python_objects_at_quarters"], documents=documents,
            via="RSS after gc.collect() and malloc_trim(0) at each quarter of the run")
    return results


if __name__ == "__main__":  # pragma: no cover
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    for lang in ("ja", "bilingual"):
        print(json.dumps(measure(count, lang), ensure_ascii=False))
