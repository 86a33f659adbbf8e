#!/usr/bin/env bash
# placeholder, replaced by the demo
echo "demo: not yet"
