"""Install pinned requirements with pip and show how far it has got (`make setup`).

pip shows nothing useful with -q and a wall of lines without it. This runs `python -m pip install -q …` and,
while it runs, counts the distributions installed in the environment against the pins the requirement files
name (following `-r`): a bar on a terminal, a line every 15 seconds in a log. Standard library only — it runs
before anything is installed.

    python scripts/pip_progress.py LABEL REQUIREMENTS_FILE [pip install options…]
"""

from __future__ import annotations

import re
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

PIN = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*==")


def pins(path: Path, seen: set[Path] | None = None) -> set[str]:
    """The names pinned in a requirements file and the files it includes with `-r`."""
    seen = seen if seen is not None else set()
    if path in seen:
        return set()
    seen.add(path)
    out: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith(("-r ", "--requirement ")):
            out |= pins(path.parent / line.split(None, 1)[1].strip(), seen)
        elif m := PIN.match(line):
            out.add(re.sub(r"[-_.]+", "-", m.group(1)).lower())
    return out


def installed(site: Path) -> set[str]:
    names = set()
    for d in site.glob("*.dist-info"):
        name = d.name[: -len(".dist-info")].rsplit("-", 1)[0]
        names.add(re.sub(r"[-_.]+", "-", name).lower())
    return names


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    label, requirements, *options = argv[1:]
    wanted = pins(Path(requirements))
    site = Path(sysconfig.get_paths()["purelib"])
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "install", *options, "-r",
               requirements]
    started = time.monotonic()
    process = subprocess.Popen(command)
    tty = sys.stdout.isatty()
    last_line = 0.0
    while process.poll() is None:
        time.sleep(0.5)
        done = len(wanted & installed(site))
        elapsed = time.monotonic() - started
        if tty:
            width = 30
            filled = int(width * done / max(1, len(wanted)))
            sys.stdout.write(f"\r    {label}: [{'#' * filled}{'.' * (width - filled)}] {done} of {len(wanted)} "
                             f"packages, {elapsed:.0f} s ")
            sys.stdout.flush()
        elif elapsed - last_line >= 15:
            last_line = elapsed
            print(f"    {label}: {done} of {len(wanted)} packages installed, {elapsed:.0f} s", flush=True)
    done = len(wanted & installed(site))
    end = "\n" if tty else ""
    print(f"{end}    {label}: {done} of {len(wanted)} packages installed in {time.monotonic() - started:.0f} s",
          flush=True)
    return process.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv))
