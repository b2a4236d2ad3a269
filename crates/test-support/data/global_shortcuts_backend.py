# A python-dbusmock template: a GlobalShortcuts portal backend for the tests, standing in
# for the compositor's. xdg-desktop-portal (the real front end) talks to it; the test
# presses and releases the bound shortcut with Press(id) and Release(id) on the interface
# org.luminous.Test.
import dbus

BUS_NAME = "org.freedesktop.impl.portal.LuminousTest"
MAIN_OBJ = "/org/freedesktop/portal/desktop"
MAIN_IFACE = "org.freedesktop.impl.portal.GlobalShortcuts"
SYSTEM_BUS = False

TRIGGER = "Ctrl+Alt+Space"


def load(mock, parameters):
    mock.AddProperties(MAIN_IFACE, dbus.Dictionary({"version": dbus.UInt32(1)}, signature="sv"))
    mock.AddMethods(
        MAIN_IFACE,
        [
            (
                "CreateSession",
                "oosa{sv}",
                "ua{sv}",
                "self.luminous_session = args[1]\n"
                "ret = (dbus.UInt32(0), dbus.Dictionary({'session_handle': args[1]}, signature='sv'))",
            ),
            (
                "BindShortcuts",
                "ooa(sa{sv})sa{sv}",
                "ua{sv}",
                "bound = dbus.Array([dbus.Struct((s[0], dbus.Dictionary({"
                "'description': s[1].get('description', ''), "
                f"'trigger_description': '{TRIGGER}'"
                "}, signature='sv'))) for s in args[2]], signature='(sa{sv})')\n"
                "self.luminous_bound = bound\n"
                "ret = (dbus.UInt32(0), dbus.Dictionary({'shortcuts': bound}, signature='sv'))",
            ),
            (
                "ListShortcuts",
                "oo",
                "ua{sv}",
                "ret = (dbus.UInt32(0), dbus.Dictionary({'shortcuts': self.luminous_bound}, signature='sv'))",
            ),
        ],
    )
    for name, signal in (("Press", "Activated"), ("Release", "Deactivated")):
        mock.AddMethod(
            "org.luminous.Test",
            name,
            "s",
            "",
            f"self.EmitSignal('{MAIN_IFACE}', '{signal}', 'osta{{sv}}', "
            "[self.luminous_session, args[0], dbus.UInt64(0), dbus.Dictionary({}, signature='sv')])",
        )
