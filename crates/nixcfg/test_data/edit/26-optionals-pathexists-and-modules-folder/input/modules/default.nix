{ ... }:

{
  imports = [ ./desktop.nix ];
}
