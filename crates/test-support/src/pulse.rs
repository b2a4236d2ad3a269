//! A private PulseAudio with a virtual microphone and a virtual speaker, for end-to-end voice
//! tests: speech played into `mic_sink` is heard on the default source (`virtual_mic`), and
//! what programs play on the default sink (`speaker_sink`) can be recorded from its monitor.
//! Every process started here is stopped, by PID, when the value is dropped.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The running sound server.
#[derive(Debug)]
pub struct Pulse {
    dir: tempfile::TempDir,
    children: Vec<Child>,
}

impl Pulse {
    /// Start it. Panics (a test helper) when PulseAudio is not installed.
    pub fn start() -> Pulse {
        assert!(
            crate::which("pulseaudio").is_some(),
            "pulseaudio is not installed (apt-get install pulseaudio pulseaudio-utils alsa-utils libasound2-plugins)"
        );
        let dir = tempfile::tempdir().expect("tmp");
        for d in ["run", "home"] {
            std::fs::create_dir_all(dir.path().join(d)).expect("dirs");
        }
        let mut p = Pulse {
            dir,
            children: Vec::new(),
        };
        let daemon = p
            .command("pulseaudio")
            .args([
                "-n",
                "--daemonize=no",
                "--exit-idle-time=-1",
                "--log-target=stderr",
            ])
            .args(["-L", "module-native-protocol-unix auth-anonymous=1"])
            .args([
                "-L",
                "module-null-sink sink_name=mic_sink rate=16000 channels=1",
            ])
            .args([
                "-L",
                "module-remap-source source_name=virtual_mic master=mic_sink.monitor",
            ])
            .args(["-L", "module-null-sink sink_name=speaker_sink"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pulseaudio starts");
        p.children.push(daemon);
        let ready = (0..50).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(100));
            p.command("pactl")
                .arg("info")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        });
        assert!(ready, "pulseaudio did not come up");
        for args in [
            ["set-default-source", "virtual_mic"],
            ["set-default-sink", "speaker_sink"],
        ] {
            assert!(
                p.command("pactl")
                    .args(args)
                    .status()
                    .is_ok_and(|s| s.success()),
                "pactl {args:?}"
            );
        }
        // Idle null sinks render in 2-second blocks: keep silence flowing into both, then wait.
        for sink in ["mic_sink", "speaker_sink"] {
            let filler = p
                .command("pacat")
                .args(["-p", "--latency-msec=20", "-d", sink])
                .stdin(std::fs::File::open("/dev/zero").expect("/dev/zero"))
                .spawn()
                .expect("pacat");
            p.children.push(filler);
        }
        std::thread::sleep(std::time::Duration::from_millis(2200));
        p
    }

    /// The environment a client needs to reach this server.
    pub fn vars(&self) -> Vec<(String, PathBuf)> {
        vec![
            ("XDG_RUNTIME_DIR".into(), self.dir.path().join("run")),
            (
                "PULSE_RUNTIME_PATH".into(),
                self.dir.path().join("run/pulse"),
            ),
        ]
    }

    /// A command with this server's environment.
    pub fn command(&self, program: &str) -> Command {
        let mut c = Command::new(program);
        c.env("HOME", self.dir.path().join("home"));
        for (k, v) in self.vars() {
            c.env(k, v);
        }
        c
    }

    /// Play a WAV into the virtual microphone, until it ends.
    pub fn say(&self, wav: &Path) {
        let ok = self
            .command("paplay")
            .args(["-d", "mic_sink"])
            .arg(wav)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "paplay {}", wav.display());
    }

    /// Start recording the virtual speaker to `out`; stop it with [`Pulse::stop`].
    pub fn record(&mut self, out: &Path) -> u32 {
        let child = self
            .command("parecord")
            .args([
                "--latency-msec=50",
                "-d",
                "speaker_sink.monitor",
                "--file-format=wav",
            ])
            .arg(out)
            .spawn()
            .expect("parecord");
        let id = child.id();
        self.children.push(child);
        id
    }

    /// The speaker is heard by the microphone, as laptop speakers are: a loopback from the
    /// speaker's monitor into the microphone at `percent` of full volume (PulseAudio's
    /// cubic scale: 60% is about -13 dB, 79% about -6 dB), or a new volume for it.
    pub fn echo(&mut self, percent: u32) {
        let has_loop = |p: &Pulse| {
            p.command("pactl")
                .args(["list", "short", "sink-inputs"])
                .output()
                .ok()
                .and_then(|o| {
                    String::from_utf8_lossy(&o.stdout)
                        .lines()
                        .find(|l| l.contains("module-loopback"))
                        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
                })
        };
        if has_loop(self).is_none() {
            assert!(
                self.command("pactl")
                    .args([
                        "load-module",
                        "module-loopback",
                        "source=speaker_sink.monitor",
                        "sink=mic_sink",
                        "latency_msec=30",
                    ])
                    .stdout(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success()),
                "loopback module"
            );
        }
        let t = std::time::Instant::now();
        let id = loop {
            if let Some(id) = has_loop(self) {
                break id;
            }
            assert!(t.elapsed().as_secs() < 10, "the loopback did not start");
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        assert!(
            self.command("pactl")
                .args(["set-sink-input-volume", &id, &format!("{percent}%")])
                .status()
                .is_ok_and(|s| s.success()),
            "loopback volume"
        );
    }

    /// The sound server dies (SIGKILL), as it does when it crashes; its clients are left
    /// with a dead connection.
    pub fn crash(&mut self) {
        if let Some(server) = self.children.first_mut() {
            let _ = server.kill();
            let _ = server.wait();
        }
    }

    /// Stop a process started here (SIGINT, so a recorder finishes its file).
    pub fn stop(&mut self, id: u32) {
        let _ = Command::new("kill")
            .args(["-INT", &id.to_string()])
            .status();
        if let Some(pos) = self.children.iter().position(|c| c.id() == id) {
            let mut c = self.children.remove(pos);
            let _ = c.wait();
        }
    }
}

impl Drop for Pulse {
    fn drop(&mut self) {
        for c in self.children.iter_mut().rev() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}
