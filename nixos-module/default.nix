# NixOS module for Luminous Nix: installs the assistant and writes its system-wide settings
# to /etc/xdg/luminous/config.toml (a user's ~/.config/luminous/config.toml takes precedence).
{ config, lib, pkgs, ... }:

let
  cfg = config.programs.luminous;
  toml = pkgs.formats.toml { };
in
{
  options.programs.luminous = {
    enable = lib.mkEnableOption "Luminous Nix, a local voice-first assistant for NixOS";

    package = lib.mkOption {
      type = lib.types.package;
      description = "The luminous package (from this repository's flake).";
    };

    settings = lib.mkOption {
      type = toml.type;
      default = { };
      example = {
        privilege_helper = "pkexec";
        gc_keep_days = 30;
      };
      description = "Settings written to /etc/xdg/luminous/config.toml; see the README for the keys.";
    };
  };

  config = lib.mkIf cfg.enable {
    environment.systemPackages = [ cfg.package ];
    environment.etc."xdg/luminous/config.toml".source = toml.generate "luminous-config.toml" cfg.settings;
    # pkexec asks for the administrator password only after a spoken or typed yes.
    security.polkit.enable = lib.mkDefault true;
  };
}
