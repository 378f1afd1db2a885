#!/usr/bin/env bash
# Installs the system packages the tests use (PostgreSQL server, Chromium, the flite speech synthesiser that
# speaks the digits in the cameo test clips) with apt when they are missing.
# Without root or apt it says exactly what to install; the tests that need them then skip, loudly.
set -u
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ] || need+=(fonts-noto-color-emoji)  # emoji in screenshots
command -v flite >/dev/null || need+=(flite)  # speaks the challenge digits in cameo test clips
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "system-deps: installing ${need[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || echo "system-deps: WARNING apt-get install ${need[*]} failed; the tests that need them will skip"
else
  echo "################################################################################"
  echo "system-deps: missing ${need[*]} and cannot install them here (not root or no apt)."
  echo "  Install with: sudo apt-get install ${need[*]}"
  echo "  The PostgreSQL, browser and spoken-cameo-clip tests will be SKIPPED until then."
  echo "################################################################################"
fi
exit 0
