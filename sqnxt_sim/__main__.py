"""``python -m sqnxt_sim``: the command line, started with the garbage collector kept out of
its imports (they only create long-lived objects; collecting while importing costs about a
sixth of a short command's time)."""

from __future__ import annotations

import gc


def main() -> None:
    collecting = gc.isenabled()
    gc.disable()
    try:
        from .cli import main as cli
    finally:
        if collecting:
            gc.enable()
    gc.freeze()  # what the imports made is never garbage: later collections skip it
    cli()


if __name__ == "__main__":
    main()
