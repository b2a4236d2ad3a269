{ pkgs, ... }:
{
  environment.systemPackages = with pkgs; [
    vim
    git
  ]

  services.openssh.enable = true;
}
