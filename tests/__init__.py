"""The line's tests (make test).

pytest keeps each test module's assertion-rewritten bytecode in __pycache__ only where bytecode may be
written; with PYTHONDONTWRITEBYTECODE set (this machine's default) every xdist worker rewrote and compiled
every test module again, about four seconds a worker. The flag is turned off for the test process only.
"""

import sys

sys.dont_write_bytecode = False
