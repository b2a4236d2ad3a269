//! A recording speech-dispatcher: an SSIP peer on a Unix socket that answers as
//! speech-dispatcher does (client name, notifications, priority, speak, cancel), sends the
//! begin and end events of each message, and records what it was asked to say, at which
//! priority.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One message it was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Said {
    /// The text.
    pub text: String,
    /// The priority set when it was given ("text", "message", ...).
    pub priority: String,
    /// The client name set before it.
    pub client: String,
}

/// The peer; it serves until dropped (its socket goes with its folder).
#[derive(Debug)]
pub struct Recorder {
    path: PathBuf,
    said: Arc<Mutex<Vec<Said>>>,
    _dir: tempfile::TempDir,
}

impl Recorder {
    /// Listen on a fresh socket.
    pub fn start() -> Recorder {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("speechd.sock");
        let listener = UnixListener::bind(&path).expect("ssip socket");
        let said = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&said);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let record = Arc::clone(&record);
                std::thread::spawn(move || serve(stream, &record));
            }
        });
        Recorder {
            path,
            said,
            _dir: dir,
        }
    }

    /// Its socket.
    pub fn socket(&self) -> &Path {
        &self.path
    }

    /// What it was given so far.
    pub fn said(&self) -> Vec<Said> {
        self.said.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

fn serve(stream: UnixStream, record: &Mutex<Vec<Said>>) {
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut lines = BufReader::new(stream).lines();
    let mut priority = "text".to_owned();
    let mut client = String::new();
    let mut next_id = 1u32;
    let reply = |out: &mut UnixStream, text: &str| out.write_all(text.as_bytes()).is_ok();
    while let Some(Ok(line)) = lines.next() {
        let words: Vec<&str> = line.split_whitespace().collect();
        let upper: Vec<String> = words.iter().map(|w| w.to_ascii_uppercase()).collect();
        let upper: Vec<&str> = upper.iter().map(String::as_str).collect();
        let ok = match upper.as_slice() {
            ["SET", _, "CLIENT_NAME", ..] => {
                client = words[3..].join(" ");
                reply(&mut out, "208 OK CLIENT NAME SET\r\n")
            }
            ["SET", _, "NOTIFICATION", ..] => reply(&mut out, "220 OK NOTIFICATION SET\r\n"),
            ["SET", _, "PRIORITY", p] => {
                priority = p.to_ascii_lowercase();
                reply(&mut out, "202 OK PRIORITY SET\r\n")
            }
            ["SET", ..] => reply(&mut out, "200 OK\r\n"),
            ["SPEAK"] => {
                if !reply(&mut out, "230 OK RECEIVING DATA\r\n") {
                    break;
                }
                let mut text = Vec::new();
                for l in lines.by_ref() {
                    let Ok(l) = l else { return };
                    if l == "." {
                        break;
                    }
                    text.push(l.strip_prefix('.').map_or(l.clone(), str::to_owned));
                }
                if let Ok(mut r) = record.lock() {
                    r.push(Said {
                        text: text.join("\n"),
                        priority: priority.clone(),
                        client: client.clone(),
                    });
                }
                let id = next_id;
                next_id += 1;
                reply(&mut out, &format!("225-{id}\r\n225 OK MESSAGE QUEUED\r\n"))
                    && reply(&mut out, &format!("701-{id}\r\n701-1\r\n701 BEGIN\r\n"))
                    && reply(&mut out, &format!("702-{id}\r\n702-1\r\n702 END\r\n"))
            }
            ["CANCEL", ..] | ["STOP", ..] => reply(&mut out, "213 OK CANCELED\r\n"),
            ["QUIT"] => {
                let _ = reply(&mut out, "231 HAPPY HACKING\r\n");
                break;
            }
            _ => reply(&mut out, "300 ERR UNKNOWN COMMAND\r\n"),
        };
        if !ok {
            break;
        }
    }
}
