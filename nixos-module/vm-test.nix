# A NixOS machine with services.luminous on (the flake's `checks.<system>.vm`): a user
# with lingering, so their systemd user manager and session bus run without a graphical
# login; the user service is started, becomes ready (Type=notify), and answers a request
# over D-Bus through `luminous ask`, which finds the running daemon.
{ self }:
{
  name = "luminous";
  nodes.machine = { pkgs, ... }: {
    imports = [ self.nixosModules.default ];
    services.luminous.enable = true;
    # The test machine has no sound card: the assistant serves text, and says so.
    services.luminous.settings.hands_free = false;
    users.users.ana = {
      isNormalUser = true;
      extraGroups = [ "wheel" ];
      linger = true;
    };
    virtualisation.memorySize = 2048;
  };
  testScript = ''
    machine.wait_for_unit("multi-user.target")
    machine.wait_for_unit("user@1000.service")
    as_ana = "su - ana -c 'XDG_RUNTIME_DIR=/run/user/1000 DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/1000/bus "
    machine.succeed(as_ana + "systemctl --user start luminous'")
    machine.wait_until_succeeds(as_ana + "systemctl --user is-active luminous'", timeout=120)
    status = machine.succeed(as_ana + "luminous status'")
    assert "Luminous is running" in status, status
    reply = machine.succeed(as_ana + "luminous ask --json what version of nixos am i running'")
    assert '"intent":"system_info"' in reply.replace(" ", ""), reply
    # The polkit rule is in place for the assistant's root programs.
    machine.succeed("grep -q nixos-rebuild /etc/polkit-1/rules.d/10-nixos.rules")
  '';
}
