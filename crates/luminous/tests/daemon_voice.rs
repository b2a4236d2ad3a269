//! The service with its real voice, as a user has it: `luminous daemon` on a private
//! session bus and a private "system" bus with python-dbusmock's logind, listening and
//! speaking through the PulseAudio harness's virtual microphone and speaker, with the real
//! models. A spoken request and a spoken yes start a long operation; the screen is locked
//! while it runs (the microphone closes, nothing is spoken, the result is kept); on unlock
//! the result is spoken (recorded from the speaker and transcribed). Then push-to-talk over
//! D-Bus with hands-free off, and sleep and resume.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use common::Env;
use common::speech::{self, peak, seconds, sox, wait_until_spoken};
use luminous_desktop::shortcut::PUSH_TO_TALK;
use luminous_desktop::{Announcement, Client, State};
use luminous_test_support::dbus::{Bus, call};
use luminous_test_support::portal::Portal;
use luminous_test_support::pulse::Pulse;

/// Where the service's standard error goes, for failure messages.
static SAID: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

/// A reply whose JSON has `event`: its text and JSON.
fn replied(follow: &Receiver<Announcement>, event: &str) -> (String, serde_json::Value) {
    common::bus::replied(follow, event, SAID.get().map(|p| p.as_path()))
}

/// The announcements until `pick` finds what it wants (or 40 s pass).
fn next<T>(
    follow: &Receiver<Announcement>,
    what: &str,
    pick: impl FnMut(&Announcement) -> Option<T>,
) -> T {
    common::bus::next(follow, what, SAID.get().map(|p| p.as_path()), pick)
}

/// The assistant's capture streams, and how many of them capture (are not paused). A
/// device that cannot pause (ALSA's PulseAudio plugin) is closed instead.
fn mic_streams(pulse: &Pulse) -> (usize, usize) {
    let out = pulse
        .command("pactl")
        .args(["list", "source-outputs"])
        .output()
        .expect("pactl");
    let text = String::from_utf8_lossy(&out.stdout);
    let streams: Vec<&str> = text
        .split("Source Output #")
        .skip(1)
        .filter(|s| s.contains("application.process.binary = \"luminous\""))
        .collect();
    let running = streams
        .iter()
        .filter(|s| !s.contains("Corked: yes"))
        .count();
    (streams.len(), running)
}

/// Waits until the assistant's capture streams are `open` (`None`: any number) with
/// `running` of them capturing.
fn wait_mic(e: &Env, pulse: &Pulse, open: Option<usize>, running: usize, why: &str) {
    let t = Instant::now();
    let want = |(o, r): (usize, usize)| open.is_none_or(|n| n == o) && r == running;
    while !want(mic_streams(pulse)) {
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{why}: streams (open, capturing) are {:?}, not ({open:?}, {running}); the service said:\n{}",
            mic_streams(pulse),
            std::fs::read_to_string(e.path("daemon.err")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn logind(system: &Bus, path: &str, method: &str, arg: &str) {
    call(
        &system.address,
        "org.freedesktop.login1",
        path,
        method,
        &[arg],
    )
    .unwrap_or_else(|e| panic!("{method}: {e}"));
}

fn sleep_signal(system: &Bus, going: bool) {
    call(
        &system.address,
        "org.freedesktop.login1",
        "/org/freedesktop/login1",
        "org.freedesktop.DBus.Mock.EmitSignal",
        &[
            "org.freedesktop.login1.Manager",
            "PrepareForSleep",
            "b",
            if going { "[<true>]" } else { "[<false>]" },
        ],
    )
    .expect("PrepareForSleep");
}

/// What whisper hears in `wav` between `from` and `to` seconds (`luminous hear`, not
/// spoken). Every pause in it is first cut to 0.3 s: on a loaded machine the next sentence
/// of a reply may be ready only after a long pause, and `hear` takes a recording's first
/// utterance, so one reply is made one utterance again.
fn transcribe_between(e: &Env, wav: &Path, (from, to): (f64, f64), name: &str) -> String {
    let part = e.path(name);
    sox(&[
        wav.to_str().expect("utf8"),
        part.to_str().expect("utf8"),
        "trim",
        &format!("{from:.2}"),
        &format!("={to:.2}"),
        "silence",
        "-l",
        "1",
        "0.05",
        "1%",
        "-1",
        "0.3",
        "1%",
    ]);
    let out = e
        .cmd()
        .env("LUMINOUS_NO_DAEMON", "1")
        .args(["hear", "--quiet", "--json", "--dry-run"])
        .arg(&part)
        .output()
        .expect("hear");
    let j = common::last_json(&out);
    j["transcript"].as_str().unwrap_or_default().to_lowercase()
}

/// The service on `session`, once it listens (its models loaded, the microphone open).
/// The assistant has finished speaking: its speaker recording has gone quiet, and the
/// daemon says it is no longer speaking (a pause between two sentences of a reply, long on a
/// loaded machine, is not the end).
fn spoken_out(c: &Client, recording: &Path) {
    wait_until_spoken(recording, 40);
    let t = Instant::now();
    loop {
        let (_, details) = c.status().expect("status");
        let details: serde_json::Value = serde_json::from_str(&details).expect("json");
        if details["speaking"] == false {
            return;
        }
        assert!(
            t.elapsed() < Duration::from_secs(40),
            "still speaking after 40 s: {details}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn listening_client(session: &Bus, e: &Env) -> Client {
    let t = Instant::now();
    loop {
        if let Some(c) = Client::at_address(&session.address)
            && c.status().is_ok_and(|(s, _)| s.state == State::Listening)
        {
            return c;
        }
        assert!(
            t.elapsed() < Duration::from_secs(60),
            "the service did not come up listening: {}",
            std::fs::read_to_string(e.path("daemon.err")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn requires_audio_the_service_listens_speaks_and_is_silent_while_you_are_away() {
    let system = Bus::system();
    let session = Bus::session();
    let _logind = luminous_test_support::dbus::logind(&system, &session);
    let e = Env::new();
    // Every utterance a request: the wake phrase has its own test (tests/voice.rs).
    e.settings(&format!("{}wake_phrase = \"\"\n", speech::model_settings()));
    let path = e.stand_in_rebuild(0, "");
    std::fs::write(
        e.path("bin/nixos-rebuild"),
        "#!/bin/sh\necho building the system configuration...\nsleep 6\n",
    )
    .expect("slow rebuild");
    let clip = |name: &str, text: &str| speech::spoken(e.dir.path(), name, text);
    let (request, yes, ptt) = (
        clip("request", "install firefox"),
        clip("yes", "yes"),
        clip("ptt", "list generations"),
    );
    let _ = SAID.set(e.path("daemon.err"));
    // The desktop's portal, with a GlobalShortcuts backend standing in for the compositor.
    let portal = Portal::start(&system, &session);
    let mut pulse = Pulse::start();
    let mut cmd = e.cmd();
    for (k, v) in pulse.vars() {
        cmd.env(k, v);
    }
    let daemon = Daemon(
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &system.address)
            .env("PATH", &path)
            .env("LUMINOUS_DEBUG", "1")
            .arg("daemon")
            .stdout(std::fs::File::create(e.path("daemon.out")).expect("out"))
            .stderr(std::fs::File::create(e.path("daemon.err")).expect("err"))
            .stdin(Stdio::null())
            .spawn()
            .expect("daemon"),
    );
    let c = listening_client(&session, &e);
    let follow = c.follow().expect("follow");
    let (s, details) = c.status().expect("status");
    let details: serde_json::Value = serde_json::from_str(&details).expect("json");
    assert!(s.listening, "hands-free from the start");
    assert_eq!(details["speech"], "piper", "{details}");
    assert_eq!(details["microphone"], "listening", "{details}");
    wait_mic(&e, &pulse, Some(1), 1, "one capture stream, running");
    let recording = e.path("speaker.wav");
    let recorder = pulse.record(&recording);
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_millis(500));

    // A spoken request: heard, and the question spoken.
    pulse.say(&request);
    let heard = next(&follow, "Heard", |a| match a {
        Announcement::Heard(t) => Some(t.to_lowercase()),
        _ => None,
    });
    assert!(heard.contains("install fire"), "{heard}");
    let (question, j) = replied(&follow, "reply");
    assert_eq!(j["delivery"], "spoken", "{j}");
    assert!(
        question.contains("Yes or no?") || question.contains("shall I install Firefox?"),
        "{question}"
    );
    spoken_out(&c, &recording);
    pulse.say(&yes);
    let (starting, _) = replied(&follow, "reply");
    assert!(starting.contains("Firefox"), "{starting}");
    assert_eq!(
        c.status().expect("status").0.question,
        "",
        "the yes was taken: {starting}"
    );
    spoken_out(&c, &recording);

    // Locked while the rebuild runs: the microphone closes, the result is kept, nothing
    // is spoken.
    logind(
        &system,
        "/org/freedesktop/login1/session/auto",
        "org.freedesktop.login1.Session.SetLockedHint",
        "true",
    );
    let locked_at = t0.elapsed().as_secs_f64();
    wait_mic(
        &e,
        &pulse,
        Some(0),
        0,
        "the microphone is closed while locked",
    );
    let (done, j) = replied(&follow, "outcome");
    assert!(done.starts_with("Done. Firefox is installed."), "{done}");
    assert_eq!(j["delivery"], "kept", "{j}");
    assert_eq!(c.status().expect("status").0.state, State::Paused);
    std::thread::sleep(Duration::from_secs(1));
    let unlocked_at = t0.elapsed().as_secs_f64();
    logind(
        &system,
        "/org/freedesktop/login1/session/auto",
        "org.freedesktop.login1.Session.SetLockedHint",
        "false",
    );
    let (kept, j) = replied(&follow, "kept");
    assert!(kept.starts_with("While you were away: Done."), "{kept}");
    assert_eq!(j["delivery"], "spoken", "{j}");
    wait_mic(
        &e,
        &pulse,
        Some(1),
        1,
        "the microphone opens again on unlock",
    );
    spoken_out(&c, &recording);
    let kept_said_by = t0.elapsed().as_secs_f64();

    // Push-to-talk with hands-free off, on the desktop's shortcut through the portal:
    // speech without the key is not heard; with it, it is.
    let t = Instant::now();
    let details = loop {
        let (_, d) = c.status().expect("status");
        let d: serde_json::Value = serde_json::from_str(&d).expect("json");
        if d["push_to_talk_route"] == "portal" || t.elapsed() > Duration::from_secs(20) {
            break d;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(
        details["push_to_talk"], "the desktop shortcut Ctrl+Alt+Space (hold to talk)",
        "{details}"
    );
    c.set_listening(false).expect("listening off");
    wait_mic(&e, &pulse, None, 0, "not capturing while nobody listens");
    pulse.say(&ptt);
    std::thread::sleep(Duration::from_secs(2));
    portal.press(PUSH_TO_TALK).expect("press");
    wait_mic(&e, &pulse, Some(1), 1, "capturing while the key is down");
    pulse.say(&ptt);
    portal.release(PUSH_TO_TALK).expect("release");
    let heard = next(&follow, "Heard", |a| match a {
        Announcement::Heard(t) => Some(t.to_lowercase()),
        _ => None,
    });
    assert!(heard.contains("generation"), "{heard}");
    let (listed, _) = replied(&follow, "reply");
    assert!(!listed.is_empty());
    wait_mic(&e, &pulse, None, 0, "not capturing after the release");
    spoken_out(&c, &recording);
    // The command line's push-to-talk (what sway binds) opens and closes it the same way.
    c.push_to_talk(true).expect("press");
    wait_mic(
        &e,
        &pulse,
        Some(1),
        1,
        "capturing while luminous ptt press holds",
    );
    c.push_to_talk(false).expect("release");
    wait_mic(
        &e,
        &pulse,
        None,
        0,
        "not capturing after luminous ptt release",
    );

    // Sleep closes the microphone; resume opens it.
    sleep_signal(&system, true);
    wait_mic(&e, &pulse, Some(0), 0, "closed before sleep");
    sleep_signal(&system, false);
    wait_mic(
        &e,
        &pulse,
        None,
        0,
        "after resume, still not capturing (nobody listens)",
    );
    c.set_listening(true).expect("listening on");
    wait_mic(
        &e,
        &pulse,
        Some(1),
        1,
        "capturing again, hands-free, after resume",
    );
    pulse.stop(recorder);
    drop(daemon);

    // Nothing was spoken while the screen was locked; the kept result was spoken after.
    let silent = peak(&recording, locked_at + 0.3, unlocked_at);
    assert!(silent < 0.01, "speech while locked: peak {silent}");
    assert!(seconds(&recording) > unlocked_at);
    let said = transcribe_between(&e, &recording, (unlocked_at, kept_said_by), "kept.wav");
    // Piper renders each reply a little differently (its noise scales) and whisper now and
    // then mishears the first word or two of one ("all you were away", "while you are
    // away"), so the kept reply is known by its closing word and the result it carries.
    assert!(
        said.contains("away") && said.contains("firefox is installed"),
        "the kept result, said after the unlock: {said}"
    );
}

#[test]
fn requires_audio_the_service_outlives_its_sound_server_and_still_stops() {
    let system = Bus::system();
    let session = Bus::session();
    let e = Env::new();
    e.settings(&speech::model_settings());
    let mut pulse = Pulse::start();
    let mut cmd = e.cmd();
    for (k, v) in pulse.vars() {
        cmd.env(k, v);
    }
    let mut daemon = Daemon(
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &session.address)
            .env("DBUS_SYSTEM_BUS_ADDRESS", &system.address)
            .arg("daemon")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(e.path("daemon.err")).expect("err"))
            .stdin(Stdio::null())
            .spawn()
            .expect("daemon"),
    );
    let c = listening_client(&session, &e);
    pulse.crash();
    // The microphone is reported lost; requests are still answered.
    let t = Instant::now();
    loop {
        let (_, d) = c.status().expect("status");
        let d: serde_json::Value = serde_json::from_str(&d).expect("json");
        if d["microphone"]
            .as_str()
            .is_some_and(|m| m.starts_with("lost") || m.starts_with("none"))
        {
            break;
        }
        assert!(t.elapsed() < Duration::from_secs(30), "never lost: {d}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (reply, _) = c.ask("what can you do").expect("still answers");
    assert!(!reply.is_empty());
    // SIGTERM still ends it.
    let pid = daemon.0.id();
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let t = Instant::now();
    while daemon.0.try_wait().ok().flatten().is_none() {
        assert!(
            t.elapsed() < Duration::from_secs(15),
            "the service did not stop after its sound server died"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
