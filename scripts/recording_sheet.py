"""Write a printable page of every prompt a volunteer should record for one language."""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

from ivr import config
from ivr.audio.engines import RECORDING_TYPES
from ivr.audio.manifest import RECORDED_DIR as RECORDED
from ivr.config import ROOT
from ivr.content import Catalog, Prompt, load_catalog

RECORDED_DIR = Path(config.DEFAULTS["AUDIO_DIR"]) / RECORDED
EXTENSIONS = tuple(f".{extension}" for extension in RECORDING_TYPES)  # the builder's own list
OUT_DIR = ROOT / "build"

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><title>Recording sheet — {name}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; width: 100%; }}
td, th {{ border: 1px solid #999; padding: .4em; vertical-align: top; }}
td.say {{ font-size: 1.3em; }}
span.other {{ background: #ffe9a8; padding: 0 .2em; }}
tr.done {{ color: #777; }}
code {{ white-space: nowrap; }}
</style></head><body>
<h1>Recording sheet — {name} ({lang})</h1>
<p>{todo} prompts to record, {done} already recorded. Record each line in a quiet room, slowly and
clearly, one file per line, named exactly as in the second column (.wav, .mp3, .ogg, .m4a or .webm), and put
the files in <code>audio/recorded/{lang}/</code> (or record them in the browser with
<code>make studio</code>, page Record). Then run <code>make audio</code>: recordings always
win over synthetic voices, and are cleaned to the same volume. Words <span class="other">marked like
this</span> are French, as the caller will see them on the website: say them the French way.</p>
<table><tr><th>#</th><th>file name</th><th>say this</th><th>French (reference)</th></tr>
{rows}
</table></body></html>
"""

ROW = (
    '<tr class="{state}"><td>{number}</td><td><code>{file}</code>{mark}</td>'
    '<td class="say" dir="auto">{text}</td><td dir="ltr">{french}</td></tr>'
)


def recorded(lang: str, key: str, folder: Path = RECORDED_DIR) -> bool:
    """Whether a human recording of this prompt is already in place."""
    return any((folder / lang / f"{key}{ext}").exists() for ext in EXTENSIONS)


def marked(prompt: Prompt, lang: str) -> str:
    """The words as HTML, those of another language (a French button label) set apart and named."""
    return "".join(html.escape(span.text) if span.lang == lang else
                   f'<span class="other" lang="{span.lang}">{html.escape(span.text)}</span>'
                   for span in prompt.spans)


def render(catalog: Catalog, lang: str, folder: Path = RECORDED_DIR) -> str:
    """The sheet's HTML for one language."""
    language = catalog.languages[lang]
    rows, done = [], 0
    for number, key in enumerate(language.spoken_keys(), start=1):
        is_done = recorded(lang, key, folder)
        done += is_done
        rows.append(ROW.format(
            state="done" if is_done else "todo", number=number, file=html.escape(f"{key}.wav"),
            mark=" ✓ recorded" if is_done else "", text=marked(language.prompts[key], lang),
            french=html.escape(catalog.reference.text(key)),
        ))
    total = len(rows)
    return PAGE.format(lang=lang, name=html.escape(language.name), todo=total - done, done=done,
                       rows="\n".join(rows))


def main(argv: list[str] | None = None) -> int:
    """Write build/recording-sheet-<lang>.html."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("lang", help="language code, e.g. ti")
    parser.add_argument("--out", type=Path, default=None, help="where to write the page")
    args = parser.parse_args(argv)
    settings = config.load()  # the line's own settings: IVR_CONTENT_DIR and IVR_AUDIO_DIR count here too
    catalog = load_catalog(Path(settings["CONTENT_DIR"]))
    if args.lang not in catalog.languages:
        print(f"unknown language '{args.lang}'; on disk: {', '.join(sorted(catalog.languages))}",
              file=sys.stderr)
        return 2
    out = args.out or OUT_DIR / f"recording-sheet-{args.lang}.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render(catalog, args.lang, Path(settings["AUDIO_DIR"]) / RECORDED), encoding="utf-8")
    print(f"wrote {out}: {len(catalog.languages[args.lang].spoken_keys())} prompts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
