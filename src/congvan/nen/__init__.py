"""A kept-warm congvan ("tiến trình nền"): the CLI without paying its imports on every call.

A ``congvan`` process spends most of its time importing click, pydantic, PyYAML,
Jinja2 and lxml and building validators; the work itself (one record: load,
render, write) takes a few milliseconds. The background process has all of that
done once; each command is run by a ``fork()`` of it (a zygote, as Android's
app launcher, Emacs' server or Gradle's daemon do), with the caller's standard
streams (passed over a Unix socket), working folder, environment and umask, so a
command behaves as in its own process: same output, same exit code, Ctrl-C stops
it. Nothing of one command stays for the next (the fork is thrown away).

Only :mod:`congvan.nen.client` runs on every call: it imports nothing but the
standard library, falls back to running the command in its own process when no
background process answers (and then starts one), and never sends ``web`` or
``nen`` there. ``CONGVAN_NEN=0`` turns it off. The background process refuses a
command (the client then runs it itself) and steps down when congvan's code or
the installed libraries changed since it started, and leaves after
``CONGVAN_NEN_CHO`` seconds (default 900) without work.
"""
