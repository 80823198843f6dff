#!/usr/bin/env python3
# test-accessibility.py: the app as an assistive technology meets it
#
# Starts Parallax on a private X server with a private session bus and
# accessibility bus (at-spi-bus-launcher), then drives it through the
# AT-SPI tree alone, as a screen reader or a switch-access tool would: it
# finds the join page's fields and Join button by their accessible names,
# types a name and a room through EditableText, presses Join through the
# Action interface and checks that the call page is now what is showing,
# with the microphone and camera toggles there; it operates those and
# checks their state follows; it leaves and checks the join page is back.
# Prints TAP; skips when pyatspi, Xvfb, dbus-daemon or the AT-SPI bus
# launcher is missing.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import ctypes
import importlib
import importlib.util
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

# Generous: the machine may be loaded.
WAIT_SECONDS = 60
BUS_LAUNCHERS = ('/usr/libexec/at-spi-bus-launcher', '/usr/lib/at-spi2-core/at-spi-bus-launcher')
# Debian's pyatspi is built for Debian's Python.
SYSTEM_PYTHON = '/usr/bin/python3'

# Imported once the buses are up: AT-SPI reads where they are on first use.
pyatspi = None

if importlib.util.find_spec('pyatspi') is None:
    if (os.path.exists(SYSTEM_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(SYSTEM_PYTHON)
            and 'PX_A11Y_SYSTEM_PYTHON' not in os.environ):
        os.environ['PX_A11Y_SYSTEM_PYTHON'] = '1'
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv)
    print('1..0 # SKIP python3-pyatspi is not installed')
    sys.exit(0)


def skip(reason):
    print('1..0 # SKIP ' + reason)
    sys.exit(0)


def die_with_parent():
    # The children go when this test goes, even if it is killed.
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_PDEATHSIG = 1
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class World:
    '''The X server, buses and app this test starts, stopped by pid.'''

    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix='px-a11y-')
        self.processes = []
        self.app = None
        self.app_log = os.path.join(self.tmp, 'parallax.log')

    def spawn(self, name, argv, env, **kwargs):
        log = open(os.path.join(self.tmp, name + '.log'), 'wb')
        process = subprocess.Popen(argv, env=env, stdout=log, stderr=log, preexec_fn=die_with_parent,
                                   **kwargs)
        self.processes.append(process)
        return process

    def start(self):
        env = dict(os.environ)
        # The test environment turns accessibility off for the other UI tests.
        for name in ('NO_AT_BRIDGE', 'GTK_A11Y', 'WAYLAND_DISPLAY', 'AT_SPI_BUS_ADDRESS'):
            env.pop(name, None)
        runtime = os.path.join(self.tmp, 'runtime')
        os.mkdir(runtime, 0o700)
        env.update({
            'XDG_RUNTIME_DIR': runtime,
            'XDG_DATA_HOME': os.path.join(self.tmp, 'data'),
            'XDG_CONFIG_HOME': os.path.join(self.tmp, 'config'),
            'XDG_CACHE_HOME': os.path.join(self.tmp, 'cache'),
            'GDK_BACKEND': 'x11',
            'GSETTINGS_BACKEND': 'memory',
        })

        # Xvfb picks a free display and writes its number.
        read_fd, write_fd = os.pipe()
        self.spawn('xvfb', ['Xvfb', '-displayfd', str(write_fd), '-screen', '0', '1600x1000x24',
                            '-nolisten', 'tcp'], env, pass_fds=(write_fd,))
        os.close(write_fd)
        number = read_line(read_fd, 'Xvfb to start')
        os.close(read_fd)
        env['DISPLAY'] = ':' + number

        read_fd, write_fd = os.pipe()
        self.spawn('dbus', ['dbus-daemon', '--session', '--nofork', '--nopidfile',
                            '--print-address=%d' % write_fd], env, pass_fds=(write_fd,))
        os.close(write_fd)
        env['DBUS_SESSION_BUS_ADDRESS'] = read_line(read_fd, 'the session bus to start')
        os.close(read_fd)

        launcher = next(path for path in BUS_LAUNCHERS if os.path.exists(path))
        self.spawn('at-spi-bus', [launcher, '--launch-immediately'], env)

        # This process is the assistive technology: it reads the same buses.
        os.environ.update(env)
        global pyatspi
        pyatspi = importlib.import_module('pyatspi')
        wait_for(a11y_bus_up, 'the accessibility bus')

        app_path = os.path.join(os.environ['PX_BUILD_DIR'], 'app', 'parallax')
        self.app = self.spawn('parallax', [app_path], env)

    def stop(self):
        for process in reversed(self.processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def app_log_tail(self):
        try:
            with open(self.app_log, 'rb') as log:
                return log.read()[-4000:].decode('utf-8', 'replace')
        except OSError:
            return ''


def read_line(fd, what):
    data = b''
    deadline = time.monotonic() + WAIT_SECONDS
    while not data.endswith(b'\n'):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
            raise AssertionError('timed out waiting for ' + what)
        chunk = os.read(fd, 256)
        if not chunk:
            raise AssertionError(what + ': the program exited')
        data += chunk
    return data.decode().strip()


class Timeout(AssertionError):
    pass


def wait_for(condition, what, seconds=WAIT_SECONDS):
    deadline = time.monotonic() + seconds
    last_error = None
    while True:
        try:
            result = condition()
            if result:
                return result
        except Exception as error:  # the tree changes under our feet
            last_error = error
        if time.monotonic() > deadline:
            raise Timeout('timed out after %d s waiting for %s%s' %
                          (seconds, what, ' (%s)' % last_error if last_error else ''))
        time.sleep(0.1)


def a11y_bus_up():
    return pyatspi.Registry.getDesktop(0) is not None


def find_app(pid):
    desktop = pyatspi.Registry.getDesktop(0)
    for app in desktop:
        if app is not None and app.get_process_id() == pid:
            return app
    return None


def find(root, role, name, showing=None):
    '''The first accessible under root with that role and accessible name
    (a name that starts with it: GTK appends a mnemonic label's text).'''
    def match(accessible):
        if accessible is None or accessible.getRole() != role:
            return False
        if not (accessible.name == name or accessible.name.startswith(name + ' ')
                or accessible.name.startswith('_' + name)):
            return False
        return showing is None or is_showing(accessible) == showing
    return pyatspi.findDescendant(root, match, breadth_first=True)


def is_showing(accessible):
    if accessible.getState().contains(pyatspi.STATE_SHOWING):
        return True
    # GTK 4.8 does not report "showing"; what was never on screen has no
    # extents (what was keeps its last ones, so this tells only "not yet").
    try:
        extents = accessible.queryComponent().getExtents(pyatspi.WINDOW_COORDS)
    except NotImplementedError:
        return False
    return extents.width > 0 and extents.height > 0


def is_on(accessible):
    states = accessible.getState()
    return states.contains(pyatspi.STATE_CHECKED) or states.contains(pyatspi.STATE_PRESSED)


def do_action(accessible, *names):
    action = accessible.queryAction()
    for i in range(action.nActions):
        if action.getName(i) in names:
            return action.doAction(i)
    raise AssertionError('%s “%s” offers no %s action' % (accessible.getRoleName(), accessible.name,
                                                          '/'.join(names)))


def get_text(accessible):
    text = accessible.queryText()
    # GTK 4.8 does not take -1 for "to the end".
    return text.getText(0, text.characterCount)


def set_text(accessible, text):
    assert accessible.queryEditableText().setTextContents(text), \
        '%s refused the text' % accessible.name
    wait_for(lambda: get_text(accessible) == text, 'the text “%s” in %s' % (text, accessible.name))


class Tap:
    def __init__(self):
        self.count = 0

    def ok(self, description):
        self.count += 1
        print('ok %d - %s' % (self.count, description), flush=True)

    def not_ok(self, description, detail):
        self.count += 1
        print('not ok %d - %s' % (self.count, description))
        for line in detail.splitlines():
            print('# ' + line)
        sys.stdout.flush()


STEPS = 7


def run(world, tap):
    world.start()
    app = wait_for(lambda: find_app(world.app.pid), 'Parallax on the accessibility bus')
    tap.ok('the app is on the accessibility bus as “%s”' % app.name)

    join = wait_for(lambda: find(app, pyatspi.ROLE_PUSH_BUTTON, 'Join', showing=True),
                    'the Join button')
    name = find(app, pyatspi.ROLE_TEXT, 'Your Name', showing=True)
    room = find(app, pyatspi.ROLE_TEXT, 'Room', showing=True)
    assert name is not None, 'no text field named “Your Name”'
    assert room is not None, 'no text field named “Room”'
    # The call controls are not on screen before joining.
    microphone = find(app, pyatspi.ROLE_TOGGLE_BUTTON, 'Microphone') or \
        find(app, pyatspi.ROLE_PUSH_BUTTON, 'Microphone')
    assert microphone is None or not is_showing(microphone), 'call controls show before joining'
    tap.ok('the join page shows the Join button and the name and room fields')

    set_text(name, 'Ada Lovelace')
    set_text(room, 'accessible-room')
    tap.ok('the name and room are typed through EditableText')

    do_action(join, 'click', 'activate')

    def call_controls():
        for role in (pyatspi.ROLE_TOGGLE_BUTTON, pyatspi.ROLE_PUSH_BUTTON):
            found = find(app, role, 'Microphone', showing=True)
            if found is not None:
                return found
        return None
    microphone = wait_for(call_controls, 'the call page after Join')
    camera = find(app, microphone.getRole(), 'Camera', showing=True)
    assert camera is not None, 'no Camera toggle in the call'
    leave = find(app, pyatspi.ROLE_PUSH_BUTTON, 'Leave Meeting', showing=True)
    assert leave is not None, 'no Leave Meeting button in the call'
    frame = wait_for(lambda: find(app, pyatspi.ROLE_FRAME, 'accessible-room'),
                     'the window to be titled after the room')
    tap.ok('Join shows the call page, titled after the room, with its controls')

    for toggle in (microphone, camera):
        before = is_on(toggle)
        do_action(toggle, 'click', 'toggle', 'activate')
        wait_for(lambda: is_on(toggle) != before, 'the %s toggle to change' % toggle.name)
        do_action(toggle, 'click', 'toggle', 'activate')
        wait_for(lambda: is_on(toggle) == before, 'the %s toggle to change back' % toggle.name)
    tap.ok('the microphone and camera toggles change state when operated')

    do_action(leave, 'click', 'activate')

    # Leaving asks first: the dialog's Leave button confirms.
    def is_confirm(accessible):
        words = accessible.name.split() if accessible is not None else []
        return (accessible is not None and accessible.getRole() == pyatspi.ROLE_PUSH_BUTTON
                and words and words[0].strip('_') == 'Leave' and 'Meeting' not in words)

    def confirmed_or_left():
        if frame.name != 'accessible-room':
            return True
        for confirm in pyatspi.findAllDescendants(app, is_confirm):
            if is_showing(confirm):
                do_action(confirm, 'click', 'activate')
        return False
    wait_for(confirmed_or_left, 'the window to leave the room')
    join = wait_for(lambda: find(app, pyatspi.ROLE_PUSH_BUTTON, 'Join', showing=True),
                    'the Join button after leaving')
    tap.ok('Leave Meeting, confirmed, brings the join page back')

    assert world.app.poll() is None, 'the app exited'
    tap.ok('the app is still running')


def main():
    missing = [program for program in ('Xvfb', 'dbus-daemon') if shutil.which(program) is None]
    if missing:
        skip('%s not installed' % ', '.join(missing))
    if not any(os.path.exists(path) for path in BUS_LAUNCHERS):
        skip('at-spi2-core (at-spi-bus-launcher) is not installed')
    if 'PX_BUILD_DIR' not in os.environ:
        skip('PX_BUILD_DIR is not set (run under meson test)')

    print('1..%d' % STEPS, flush=True)
    tap = Tap()
    world = World()
    failed = False
    try:
        run(world, tap)
    except Exception as error:
        failed = True
        tap.not_ok('step %d' % (tap.count + 1), '%s: %s\nThe app said:\n%s' %
                   (type(error).__name__, error, world.app_log_tail()))
    finally:
        world.stop()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
