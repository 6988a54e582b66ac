#!/bin/sh
# Prints the greeting stored next to this script, read with jq.
jq -r .greeting "$(dirname "$0")/greeting.json"
