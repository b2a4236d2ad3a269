//! The worker's protocol: one JSON object per line each way, every request with an id and a
//! time budget, every answer naming the request it answers.

use serde::{Deserialize, Serialize};

/// A request to the worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// Echoed in the response; answers to older ids are stale and dropped.
    pub id: u64,
    /// How long the worker may take, from when it reads the line, in milliseconds. Past it
    /// the worker stops and answers `error: "deadline"`.
    pub budget_ms: u64,
    /// What to do.
    #[serde(flatten)]
    pub task: Task,
}

/// The work a request asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// Score each option as the assistant's reply to the conversation: no free text.
    Rank {
        /// The conversation so far.
        chat: Chat,
        /// The replies to score.
        options: Vec<String>,
        /// Score each option against its odds after an empty request (kept by the worker),
        /// so that replies that are likely anyway do not win for it.
        #[serde(default)]
        calibrated: bool,
    },
    /// Score each label as the first token of the assistant's reply (a choice among labels
    /// named in the conversation): one step of the model, whatever the number of labels.
    Pick {
        /// The conversation so far, with the labelled choices in it.
        chat: Chat,
        /// The labels; each is scored by its first token.
        labels: Vec<String>,
    },
    /// Generate the assistant's reply, constrained by a GBNF grammar (root rule `root`).
    Choose {
        /// The conversation so far.
        chat: Chat,
        /// The grammar the reply must follow.
        grammar: String,
        /// At most this many tokens.
        max_tokens: u32,
    },
    /// With a sentence-embedding model: one unit-length vector per text, so that a dot
    /// product is their cosine similarity.
    Embed {
        /// The texts.
        texts: Vec<String>,
    },
    /// Answer at once (is it alive, and what model is loaded).
    Ping,
    /// Test only: exit at once with status 3, as a crash would (used by the keeper's tests
    /// only through [`Request`]s they build; a user's requests never carry it).
    Crash,
}

/// A system instruction and the user's words, formatted with the model's own chat template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chat {
    /// What the model is told it is and does.
    pub system: String,
    /// The user's turn.
    pub user: String,
}

/// The worker's answer to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Response {
    /// The request answered.
    pub id: u64,
    /// Milliseconds spent on it inside the worker.
    pub took_ms: u64,
    /// What came of it.
    #[serde(flatten)]
    pub result: Outcome,
}

/// The result of a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// For `rank` and `pick`: one score per option, the mean log-probability of its tokens (higher is
    /// likelier), in the order given.
    Scores(Vec<f32>),
    /// For `choose`: the generated text.
    Text(String),
    /// For `embed`: one vector per text, in the order given.
    Vectors(Vec<Vec<f32>>),
    /// For `ping`: the model file's name and its loading time.
    Pong {
        /// The model's file name.
        model: String,
        /// How long loading took, in milliseconds.
        load_ms: u64,
        /// Threads the model runs on.
        threads: u32,
    },
    /// The request failed: `deadline` when the budget ran out, else why.
    Error(String),
}

/// The first line the worker writes once the model is loaded (or why it could not be).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hello {
    /// Loaded and waiting for requests.
    Ready {
        /// The model's file name.
        model: String,
        /// How long loading took, in milliseconds.
        load_ms: u64,
        /// Threads the model runs on.
        threads: u32,
    },
    /// The model could not be loaded; the worker exits after this line.
    Failed(String),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_have_the_documented_shape() {
        let r = Request {
            id: 7,
            budget_ms: 800,
            task: Task::Rank {
                chat: Chat {
                    system: "s".into(),
                    user: "u".into(),
                },
                options: vec!["a".into()],
                calibrated: false,
            },
        };
        let line = serde_json::to_string(&r).expect("serialises");
        assert_eq!(
            line,
            r#"{"id":7,"budget_ms":800,"rank":{"chat":{"system":"s","user":"u"},"options":["a"],"calibrated":false}}"#
        );
        assert_eq!(serde_json::from_str::<Request>(&line).ok(), Some(r));
        let ping: Request =
            serde_json::from_str(r#"{"id":1,"budget_ms":5,"ping":null}"#).expect("a ping parses");
        assert_eq!(ping.task, Task::Ping);
        let answer: Response =
            serde_json::from_str(r#"{"id":7,"took_ms":12,"scores":[-0.5,-2.0]}"#).expect("parses");
        assert_eq!(answer.result, Outcome::Scores(vec![-0.5, -2.0]));
        let embed: Request =
            serde_json::from_str(r#"{"id":2,"budget_ms":50,"embed":{"texts":["a"]}}"#)
                .expect("an embed request parses");
        assert_eq!(
            embed.task,
            Task::Embed {
                texts: vec!["a".into()]
            }
        );
        let vectors: Response =
            serde_json::from_str(r#"{"id":2,"took_ms":3,"vectors":[[0.6,0.8]]}"#).expect("parses");
        assert_eq!(vectors.result, Outcome::Vectors(vec![vec![0.6, 0.8]]));
        let late: Response =
            serde_json::from_str(r#"{"id":8,"took_ms":800,"error":"deadline"}"#).expect("parses");
        assert_eq!(late.result, Outcome::Error("deadline".into()));
    }
}
