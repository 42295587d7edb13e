# Shared by scripts/demo and scripts/test: a .venv with the project installed.
# Sourced, not run. $1 is the pip extra to install ("" or "test").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

need_python() {
  for py in python3.13 python3.12 python3.11 python3; do
    # 2>/dev/null: a pyenv shim answers for versions it does not have, and says so on stderr.
    if command -v "$py" >/dev/null && "$py" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$py"; return
    fi
  done
  echo "Smart Service needs Python 3.11 or newer (apt-get install python3)." >&2
  exit 1
}

apt_install() {
  # Debian/Ubuntu packages the project uses outside Python (browser for tests, PDF tools, Thai and emoji fonts).
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return
  # apt is quiet (-qq) and takes minutes on a fresh machine: say what is happening.
  echo "Installing Debian packages: ${missing[*]} (a few minutes the first time)…" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
  else
    echo "Please install these Debian packages first: ${missing[*]}" >&2
    exit 1
  fi
}

setup_venv() {
  local extra="$1" python
  python=$(need_python)
  if [ ! -x .venv/bin/python ]; then
    echo "Creating the Python environment .venv with $python…" >&2
    "$python" -m venv .venv 2>/dev/null || { apt_install python3-venv; "$python" -m venv .venv; }
  fi
  # Reinstall only when the dependency list changed.
  local stamp=".venv/.installed-${extra:-base}" want
  want=$(sha256sum pyproject.toml | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "Installing Smart Service and its Python packages into .venv (a few minutes the first time)…" >&2
    .venv/bin/python -m pip install -q --upgrade pip
    .venv/bin/python -m pip install -q -e ".${extra:+[$extra]}"
    echo "$want" > "$stamp"
  fi
}
