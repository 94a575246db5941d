#!/usr/bin/env python3
"""Prints every failed test of the TRX files in a folder: its name, message, the top of its stack trace and the end
of its output, so that a failed run (a CI log shows its end) says why without a rerun."""
import glob
import sys
import xml.etree.ElementTree as ET

NS = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}


def tail(text, lines):
    rows = (text or "").strip().splitlines()
    return "\n".join(("    " + r) for r in rows[-lines:])


def head(text, lines):
    rows = (text or "").strip().splitlines()
    return "\n".join(("    " + r) for r in rows[:lines])


for path in sorted(glob.glob(sys.argv[1] + "/*/TestResults/*.trx", recursive=True)):
    for result in ET.parse(path).getroot().iterfind(".//t:UnitTestResult", NS):
        if result.get("outcome") != "Failed":
            continue
        print(f"\n--- FAILED {result.get('testName')} ({result.get('duration')})")
        message = result.find("t:Output/t:ErrorInfo/t:Message", NS)
        stack = result.find("t:Output/t:ErrorInfo/t:StackTrace", NS)
        output = result.find("t:Output/t:StdOut", NS)
        if message is not None:
            print(head(message.text, 40))
        if stack is not None:
            print("  stack:\n" + head(stack.text, 15))
        if output is not None and (output.text or "").strip():
            print("  output (end):\n" + tail(output.text, 30))
