"""Print pip constraints that pin every dependency of pyproject.toml (and its test extra)
to its lower bound: `name==floor` for each `name>=floor`.

    python tools/lower_bounds.py > floors.txt
    pip install -c floors.txt -e '.[test]'

`make test-floors` does this in a separate virtual environment and runs the suite, so
every floor the project declares is a version the suite really passes with.
"""

import re
import sys
import tomllib
from pathlib import Path

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$")


def floors(pyproject: Path) -> list[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    pins = []
    for requirement in requirements:
        name, _extras, specifiers = REQUIREMENT.match(requirement).groups()
        for specifier in specifiers.split(","):
            specifier = specifier.strip()
            if specifier.startswith((">=", "==")):
                pins.append(f"{name}=={specifier[2:].strip()}")
    return pins


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.stdout.write("".join(pin + "\n" for pin in floors(root / "pyproject.toml")))
