{
  description = "Luminous Nix: a local, voice-first assistant for NixOS";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAll = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      packages = forAll (pkgs: {
        luminous = pkgs.rustPlatform.buildRustPackage {
          pname = "luminous";
          version = "0.1.0";
          src = self;
          cargoLock.lockFile = ./Cargo.lock;
          cargoBuildFlags = [ "-p" "luminous" ];
          # The tests that run Nix need a private store; they run in the project's CI.
          doCheck = false;
          postInstall = ''
            mkdir -p $out/share/bash-completion/completions $out/share/zsh/site-functions $out/share/fish/vendor_completions.d
            $out/bin/luminous completions bash > $out/share/bash-completion/completions/luminous
            $out/bin/luminous completions zsh > $out/share/zsh/site-functions/_luminous
            $out/bin/luminous completions fish > $out/share/fish/vendor_completions.d/luminous.fish
          '';
          meta = {
            description = "A local, voice-first assistant for NixOS";
            mainProgram = "luminous";
            license = pkgs.lib.licenses.mit;
          };
        };
        default = self.packages.${pkgs.system}.luminous;
      });

      nixosModules.default = import ./nixos-module;
    };
}
