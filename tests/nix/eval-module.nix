# Evaluates nixos-module/ with nixpkgs' own module system (`lib.evalModules`), given
# nixpkgs' lib (`--arg lib 'import <nixpkgs/lib>'`, or the lib of a nixpkgs.lib checkout).
# The few NixOS options the module sets are declared here with their NixOS types, and the
# packages it refers to are stand-in derivations: what comes out is the module's own
# result (the user unit, the settings file, the polkit rule), as JSON.
{ lib, enable ? true, extra ? { } }:

let
  stand-in = name: derivation {
    inherit name;
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo > $out" ];
  };
  pkgs = {
    formats.toml = { }: {
      type = lib.types.attrsOf lib.types.anything;
      # What would be written, kept as a value (no store is written).
      generate = name: value: { outPath = "/generated/${name}"; inherit value; };
    };
    onnxruntime = stand-in "onnxruntime-1.22.0";
  };
  nixosOptions = { lib, ... }: with lib; {
    options = {
      environment.systemPackages = mkOption { type = types.listOf types.package; default = [ ]; };
      environment.etc = mkOption {
        type = types.attrsOf (types.submodule { options.source = mkOption { type = types.path; }; });
        default = { };
      };
      systemd.user.services = mkOption { type = types.attrsOf types.anything; default = { }; };
      security.polkit.enable = mkOption { type = types.bool; default = false; };
      security.polkit.extraConfig = mkOption { type = types.lines; default = ""; };
      system.build.nixos-rebuild = mkOption { type = types.package; default = stand-in "nixos-rebuild"; };
      nix.package = mkOption { type = types.package; default = stand-in "nix-2.28"; };
    };
  };
  eval = lib.evalModules {
    modules = [
      ../../nixos-module
      nixosOptions
      {
        _module.args.pkgs = pkgs;
        services.luminous = {
          inherit enable;
          package = stand-in "luminous-0.1.0";
          models = stand-in "luminous-models";
        } // extra;
      }
    ];
  };
  c = eval.config;
in
{
  unit = c.systemd.user.services.luminous or null;
  settings = if c.environment.etc ? "xdg/luminous/config.toml"
    then c.environment.etc."xdg/luminous/config.toml".source.value
    else null;
  polkit = c.security.polkit.extraConfig;
  polkitEnabled = c.security.polkit.enable;
  packages = map (p: p.name) c.environment.systemPackages;
}
