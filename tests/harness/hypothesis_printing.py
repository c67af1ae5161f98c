"""Keep Hypothesis able to print counter-examples although schemathesis is installed.

Schemathesis 4 speeds up its own runs by replacing ``hypothesis.core.RepresentationPrinter``
with a printer that prints nothing. It does so when its pytest plugin loads (in every test
run, as soon as the package is installed) and again when it first builds a strategy. Every
property test of the suite would then report a failure as ``Failing test case: test(n=,)``,
without the values. ``restore()`` puts Hypothesis' own printer back; schemathesis only loses
a speed-up of its coverage phase, which this suite does not use.

The plugin itself is not needed (the suite uses schemathesis' Python API):
``-p no:schemathesis`` in pytest's addopts keeps it from loading at all.
"""

from hypothesis import core
from hypothesis.vendor import pretty


def restore() -> None:
    core.RepresentationPrinter = pretty.RepresentationPrinter
