#!/usr/bin/env bash
# One idempotent set-up for a fresh machine that has only Python:
#   1. system tools the tests and PDF output need (LibreOffice, poppler-utils,
#      Liberation fonts = metric twins of Times New Roman, PostgreSQL server binaries);
#   2. a virtual environment in .venv with congvan installed in editable mode.
# Re-running it is cheap: each step checks first and does nothing when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[setup] %s\n' "$*" >&2; }

have_pg_server() {
  command -v initdb >/dev/null 2>&1 && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1
}

need_pkgs=()
command -v soffice >/dev/null 2>&1 || need_pkgs+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || need_pkgs+=(poppler-utils)
# Kept-warm LibreOffice: unoserver runs under the system python with Debian's UNO bridge.
SYS_PY=${UNO_PYTHON:-/usr/bin/python3}
"$SYS_PY" -c "import uno" >/dev/null 2>&1 || need_pkgs+=(python3-uno)
"$SYS_PY" -c "import ensurepip" >/dev/null 2>&1 || need_pkgs+=(python3-venv)
if ! command -v fc-list >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Liberation Serif"; then
  need_pkgs+=(fonts-liberation2 fontconfig)
fi
have_pg_server || need_pkgs+=(postgresql)
# Browser tests of congvan web: Playwright drives Debian's Chromium (browser downloads do not work).
command -v chromium >/dev/null 2>&1 || need_pkgs+=(chromium)

if [ ${#need_pkgs[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      log "cần quyền root để cài: ${need_pkgs[*]} (chạy lại với sudo)"; exit 1
    fi
  fi
  log "installing system packages: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${need_pkgs[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.congvan-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  log "installing congvan and its dependencies into .venv"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e '.[dev,web,dask]'
  touch "$stamp"
fi
# unoserver for the system python (which has python3-uno), in a venv inside .venv that sees
# the system site-packages; congvan starts it as `.venv/uno/bin/python .../pdf/uno_worker.py`.
if ! .venv/uno/bin/python -c "import uno, unoserver.server" >/dev/null 2>&1; then
  log "creating .venv/uno for the kept-warm LibreOffice (unoserver + python3-uno)"
  "$SYS_PY" -m venv --system-site-packages --clear .venv/uno
  .venv/uno/bin/python -m pip install -q "unoserver==3.7"
fi
