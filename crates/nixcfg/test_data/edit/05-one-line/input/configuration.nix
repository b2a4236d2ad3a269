{ pkgs, ... }: { environment.systemPackages = with pkgs; [ vim ]; services.openssh.enable = true; }
