//! The services and features a user can switch on and off by name, with their NixOS option paths.

/// A service or feature that `enable_service` / `disable_service` can flip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Service {
    /// Short id used in slots, e.g. `ssh`.
    pub id: &'static str,
    /// What to call it in a reply.
    pub spoken: &'static str,
    /// The boolean NixOS option that turns it on.
    pub option: &'static str,
    /// Other names people use. Matching ignores case, spaces and punctuation.
    pub aliases: &'static [&'static str],
}

/// Every service we know, most common first.
pub const SERVICES: &[Service] = &[
    Service {
        id: "ssh",
        spoken: "the SSH server",
        option: "services.openssh.enable",
        aliases: &[
            "ssh",
            "openssh",
            "ssh server",
            "sshd",
            "secure shell",
            "remote login",
            "remote access",
        ],
    },
    Service {
        id: "bluetooth",
        spoken: "Bluetooth",
        option: "hardware.bluetooth.enable",
        aliases: &["bluetooth", "blue tooth"],
    },
    Service {
        id: "printing",
        spoken: "printing",
        option: "services.printing.enable",
        aliases: &["printing", "printer", "printers", "cups", "print"],
    },
    Service {
        id: "docker",
        spoken: "Docker",
        option: "virtualisation.docker.enable",
        aliases: &["docker", "containers"],
    },
    Service {
        id: "firewall",
        spoken: "the firewall",
        option: "networking.firewall.enable",
        aliases: &["firewall", "fire wall"],
    },
    Service {
        id: "sound",
        spoken: "sound with PipeWire",
        option: "services.pipewire.enable",
        aliases: &["sound", "audio", "pipewire", "pipe wire"],
    },
    Service {
        id: "flatpak",
        spoken: "Flatpak",
        option: "services.flatpak.enable",
        aliases: &["flatpak", "flat pack", "flatpaks"],
    },
    Service {
        id: "tailscale",
        spoken: "Tailscale",
        option: "services.tailscale.enable",
        aliases: &["tailscale", "tail scale"],
    },
    Service {
        id: "networkmanager",
        spoken: "NetworkManager",
        option: "networking.networkmanager.enable",
        aliases: &[
            "networkmanager",
            "network manager",
            "wifi",
            "wi fi",
            "wireless",
            "networking",
        ],
    },
    Service {
        id: "avahi",
        spoken: "local network discovery",
        option: "services.avahi.enable",
        aliases: &["avahi", "mdns", "network discovery", "zeroconf", "bonjour"],
    },
    Service {
        id: "libvirtd",
        spoken: "virtual machines with libvirt",
        option: "virtualisation.libvirtd.enable",
        aliases: &[
            "libvirt",
            "libvirtd",
            "virtual machines",
            "kvm",
            "virtualization",
            "virtualisation",
        ],
    },
    Service {
        id: "podman",
        spoken: "Podman",
        option: "virtualisation.podman.enable",
        aliases: &["podman"],
    },
    Service {
        id: "virtualbox",
        spoken: "VirtualBox",
        option: "virtualisation.virtualbox.host.enable",
        aliases: &["virtualbox", "virtual box"],
    },
    Service {
        id: "steam",
        spoken: "Steam",
        option: "programs.steam.enable",
        aliases: &["steam"],
    },
    Service {
        id: "gamemode",
        spoken: "GameMode",
        option: "programs.gamemode.enable",
        aliases: &["gamemode", "game mode"],
    },
    Service {
        id: "syncthing",
        spoken: "Syncthing",
        option: "services.syncthing.enable",
        aliases: &["syncthing", "sync thing"],
    },
    Service {
        id: "fwupd",
        spoken: "firmware updates",
        option: "services.fwupd.enable",
        aliases: &["fwupd", "firmware updates", "firmware update", "firmware"],
    },
    Service {
        id: "auto-upgrade",
        spoken: "automatic system upgrades",
        option: "system.autoUpgrade.enable",
        aliases: &[
            "automatic upgrades",
            "auto upgrade",
            "automatic updates",
            "auto update",
            "auto updates",
        ],
    },
    Service {
        id: "auto-gc",
        spoken: "automatic garbage collection",
        option: "nix.gc.automatic",
        aliases: &[
            "automatic garbage collection",
            "auto gc",
            "automatic cleanup",
            "automatic clean up",
        ],
    },
    Service {
        id: "xserver",
        spoken: "the X11 display server",
        option: "services.xserver.enable",
        aliases: &["xserver", "x server", "x11", "x org", "xorg"],
    },
    Service {
        id: "plasma",
        spoken: "the KDE Plasma desktop",
        option: "services.desktopManager.plasma6.enable",
        aliases: &["plasma", "kde", "kde plasma", "plasma desktop"],
    },
    Service {
        id: "scanner",
        spoken: "scanner support",
        option: "hardware.sane.enable",
        aliases: &["scanner", "scanners", "scanning", "sane"],
    },
    Service {
        id: "power-profiles",
        spoken: "power profiles",
        option: "services.power-profiles-daemon.enable",
        aliases: &["power profiles", "power profiles daemon", "power profile"],
    },
    Service {
        id: "tlp",
        spoken: "TLP battery saving",
        option: "services.tlp.enable",
        aliases: &["tlp", "battery saving", "battery saver", "power saving"],
    },
    Service {
        id: "zram",
        spoken: "compressed swap in memory",
        option: "zramSwap.enable",
        aliases: &["zram", "zram swap", "compressed swap"],
    },
    Service {
        id: "postgresql",
        spoken: "PostgreSQL",
        option: "services.postgresql.enable",
        aliases: &["postgresql", "postgres", "postgres database"],
    },
    Service {
        id: "nginx",
        spoken: "the nginx web server",
        option: "services.nginx.enable",
        aliases: &["nginx", "engine x", "web server"],
    },
    Service {
        id: "locate",
        spoken: "the locate file database",
        option: "services.locate.enable",
        aliases: &["locate", "file search database", "mlocate"],
    },
    Service {
        id: "fstrim",
        spoken: "weekly SSD trimming",
        option: "services.fstrim.enable",
        aliases: &["fstrim", "trim", "ssd trim"],
    },
    Service {
        id: "orca",
        spoken: "the Orca screen reader",
        option: "services.orca.enable",
        aliases: &["orca", "screen reader", "screenreader"],
    },
    Service {
        id: "speechd",
        spoken: "Speech Dispatcher",
        option: "services.speechd.enable",
        aliases: &["speechd", "speech dispatcher"],
    },
    Service {
        id: "graphics",
        spoken: "hardware graphics acceleration",
        option: "hardware.graphics.enable",
        aliases: &[
            "graphics",
            "opengl",
            "open gl",
            "hardware acceleration",
            "graphics acceleration",
        ],
    },
];

/// The service with this id or alias (case, spaces and punctuation ignored).
pub fn find(name: &str) -> Option<&'static Service> {
    let key = crate::index::key_of(name);
    if key.is_empty() {
        return None;
    }
    SERVICES.iter().find(|s| {
        crate::index::key_of(s.id) == key
            || s.aliases.iter().any(|a| crate::index::key_of(a) == key)
    })
}

/// Services whose names are close to `name`, best first, with a 0-1 score.
pub fn nearest(name: &str, limit: usize) -> Vec<(&'static Service, f32)> {
    let key = crate::index::key_of(name);
    let mut scored: Vec<(&'static Service, f32)> = SERVICES
        .iter()
        .map(|s| {
            let best = std::iter::once(s.id)
                .chain(s.aliases.iter().copied())
                .map(|a| strsim::jaro_winkler(&crate::index::key_of(a), &key) as f32)
                .fold(0.0f32, f32::max);
            (s, best)
        })
        .filter(|(_, score)| *score >= 0.75)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    scored.truncate(limit);
    scored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_fifteen_services_with_unique_ids_and_options() {
        assert!(SERVICES.len() >= 15);
        let mut ids: Vec<_> = SERVICES.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), SERVICES.len());
        for s in SERVICES {
            assert!(s.option.split('.').count() >= 2, "{}", s.option);
            assert!(find(s.id).is_some());
        }
    }

    #[test]
    fn lookups() {
        assert_eq!(find("Blue Tooth").map(|s| s.id), Some("bluetooth"));
        assert_eq!(find("the ssh server"), None);
        assert_eq!(
            nearest("bluetoth", 1).first().map(|s| s.0.id),
            Some("bluetooth")
        );
    }
}
