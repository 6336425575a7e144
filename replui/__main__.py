import sys

from replui.cli import main

sys.exit(main())
