# Minimal TAP producer shared by the packaging checks.
#
# Each check prints "ok N - description" or "not ok N - description", with
# details as "# " comment lines, and the plan "1..N" comes last. A check that
# needs a tool the machine lacks is reported as "ok N - ... # SKIP reason";
# when every check of a script is a skip, meson reports the whole test as
# skipped. The exit status is 1 when any check failed, 0 otherwise.

import sys


class Tap:
    def __init__(self):
        self.count = 0
        self.failed = 0
        self.skipped = 0

    def _emit(self, line, details):
        print(line)
        for detail in details or ():
            for text in str(detail).splitlines():
                print('#   ' + text)
        sys.stdout.flush()

    def check(self, passed, description, details=None):
        self.count += 1
        if passed:
            self._emit('ok %d - %s' % (self.count, description), None)
        else:
            self.failed += 1
            self._emit('not ok %d - %s' % (self.count, description), details)
        return passed

    def skip(self, description, reason):
        self.count += 1
        self.skipped += 1
        self._emit('ok %d - %s # SKIP %s' % (self.count, description, reason), None)

    def note(self, text):
        self._emit('# ' + text, None)

    def finish(self):
        print('1..%d' % self.count)
        return 1 if self.failed else 0
