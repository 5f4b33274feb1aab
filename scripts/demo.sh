#!/usr/bin/env bash
# Sets everything up and runs the agent on the simulated board. You see the
# control-socket events and the agent's log; the earpiece is written to
# out/playback.wav (play it with any audio player, e.g. `aplay`).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
"$here/scripts/setup.sh"
exec "$here/scripts/in-netns.sh" /usr/bin/python3 "$here/scripts/demo.py" "$here"
