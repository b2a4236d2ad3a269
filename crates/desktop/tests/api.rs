//! The D-Bus API on a private session bus: served, called through the blocking client as
//! the command line calls it, properties and signals seen by another connection.

use luminous_desktop::{Call, Client, Server, State};
use luminous_test_support::dbus::Bus;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

async fn connection(address: &str) -> zbus::Connection {
    zbus::connection::Builder::address(address)
        .expect("address")
        .build()
        .await
        .expect("connects")
}

fn blocking(address: &str) -> zbus::blocking::Connection {
    zbus::blocking::connection::Builder::address(address)
        .expect("address")
        .build()
        .expect("connects")
}

#[test]
fn the_api_serves_calls_properties_and_signals() {
    let bus = Bus::session();
    let rt = runtime();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let server = rt.block_on(async {
        let conn = connection(&bus.address).await;
        Server::serve(conn, tx).await.expect("serves")
    });
    // The daemon's side: answer asks, remember the rest.
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = std::sync::Arc::clone(&seen);
    rt.spawn(async move {
        while let Some(call) = rx.recv().await {
            match call {
                Call::Ask { text, reply } => {
                    let _ = reply.send((format!("You asked: {text}"), "{\"ok\":true}".into()));
                }
                Call::Do { what, done } => {
                    log.lock().expect("log").push(format!("{what:?}"));
                    let _ = done.send(());
                }
            }
        }
    });
    // Nothing else may take the name while it is served.
    let (tx2, _rx2) = tokio::sync::mpsc::unbounded_channel();
    let second = rt.block_on(async {
        let conn = connection(&bus.address).await;
        Server::serve(conn, tx2).await
    });
    assert!(
        matches!(second, Err(luminous_desktop::api::ServeError::Taken)),
        "{second:?}"
    );

    // A listener on another connection, for the signals.
    let listener = blocking(&bus.address);
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface("org.luminous.Assistant1")
        .expect("rule")
        .build();
    let mut signals =
        zbus::blocking::MessageIterator::for_match_rule(rule, &listener, None).expect("listens");

    let client = Client::on(blocking(&bus.address)).expect("the daemon is found");
    let (reply, json) = client.ask("install firefox").expect("asks");
    assert_eq!(
        (reply.as_str(), json.as_str()),
        ("You asked: install firefox", "{\"ok\":true}")
    );
    client.push_to_talk(true).expect("ptt");
    client.set_quiet(true).expect("quiet");
    client.cancel().expect("cancel");
    client.repeat().expect("repeat");
    client.set_listening(false).expect("listening");
    // Each call returned once served: no waiting needed.
    assert_eq!(
        *seen.lock().expect("log"),
        vec![
            "PushToTalk(true)",
            "SetQuiet(true)",
            "Cancel",
            "Repeat",
            "SetListening(false)"
        ]
    );

    rt.block_on(async {
        server
            .update(|s| {
                s.state = State::Working;
                s.question = "Install Firefox? Please say yes or no.".into();
                s.details = "{\"microphone\":null}".into();
            })
            .await
            .expect("updates");
        server
            .replied("Done.", "{\"done\":true}")
            .await
            .expect("signal");
    });
    let (status, details) = client.status().expect("status");
    assert_eq!(status.state, State::Working);
    assert_eq!(status.question, "Install Firefox? Please say yes or no.");
    assert_eq!(details, "{\"microphone\":null}");

    // StateChanged and Replied arrive, with their arguments.
    let mut names = Vec::new();
    while names.len() < 2 {
        let msg = signals.next().expect("a signal").expect("readable");
        let header = msg.header();
        let member = header.member().map(|m| m.to_string()).unwrap_or_default();
        match member.as_str() {
            "StateChanged" => {
                let state: String = msg.body().deserialize().expect("state");
                names.push(format!("StateChanged {state}"));
            }
            "Replied" => {
                let (text, json): (String, String) = msg.body().deserialize().expect("args");
                names.push(format!("Replied {text} {json}"));
            }
            _ => {}
        }
    }
    assert_eq!(
        names,
        vec!["StateChanged working", "Replied Done. {\"done\":true}"]
    );

    // With no daemon on the bus, the client says so (the command line then works alone).
    let empty = Bus::session();
    assert!(Client::on(blocking(&empty.address)).is_none());
}
