"""``python -m replui.lab.sshlab [DIR]``: see :func:`replui.lab.sshlab.cli.main`."""

import sys

from replui.lab.sshlab.cli import main

sys.exit(main())
