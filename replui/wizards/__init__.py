"""Guided repair wizards: plans of steps built by pure
``build_<name>_plan`` functions (declared in :mod:`replui.wizards.catalogue`), run by
:func:`replui.wizards.runner.run_plan` for the TUI and ``replui wizard``
(:mod:`replui.wizards.cli`) alike. No textual or rich in here."""
