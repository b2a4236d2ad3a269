//! The user's own record, in SQLite in the XDG data dir: what was asked, what was planned,
//! confirmed and done (written before and after each change), preferences, and the package
//! index cache. Only this crate knows SQL. No audio is ever stored; nothing leaves the machine.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use serde::Serialize;

/// A store error.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("the history database: {0}")]
    Sql(#[from] rusqlite::Error),
    /// The database could not be brought to the current schema.
    #[error("the history database could not be upgraded: {0}")]
    Migration(#[from] rusqlite_migration::Error),
    /// Its directory could not be created.
    #[error("the data directory {path}: {source}")]
    Dir {
        /// The directory.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

type Result<T> = std::result::Result<T, StoreError>;

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE interactions (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL DEFAULT (unixepoch()),
            source TEXT NOT NULL,
            input TEXT NOT NULL,
            intent TEXT NOT NULL,
            slots TEXT NOT NULL,
            confidence REAL NOT NULL,
            reply TEXT NOT NULL
        );
        CREATE TABLE executions (
            id INTEGER PRIMARY KEY,
            interaction_id INTEGER REFERENCES interactions(id) ON DELETE SET NULL,
            planned_at INTEGER NOT NULL DEFAULT (unixepoch()),
            intent TEXT NOT NULL,
            summary TEXT NOT NULL,
            plan TEXT NOT NULL,
            confirmed_by TEXT NOT NULL,
            finished_at INTEGER,
            ok INTEGER,
            outcome TEXT
        );
        CREATE TABLE preferences (name TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE package_index (
            key TEXT PRIMARY KEY,
            revision TEXT NOT NULL,
            created INTEGER NOT NULL DEFAULT (unixepoch()),
            data BLOB NOT NULL
        );",
        ),
        // What each change did to files (for undo), and which change undid which.
        M::up(
            "CREATE TABLE file_edits (
            id INTEGER PRIMARY KEY,
            execution_id INTEGER NOT NULL REFERENCES executions(id) ON DELETE CASCADE,
            file TEXT NOT NULL,
            before TEXT NOT NULL,
            after TEXT NOT NULL,
            backup TEXT
        );
        ALTER TABLE executions ADD COLUMN undone_by INTEGER;
        CREATE TABLE index_failures (
            key TEXT PRIMARY KEY,
            revision TEXT NOT NULL,
            reason TEXT NOT NULL,
            at INTEGER NOT NULL DEFAULT (unixepoch())
        );",
        ),
        // The user's own words: a phrase for a slot, learned from a confirmed change.
        M::up(
            "CREATE TABLE vocabulary (
            phrase TEXT NOT NULL,
            slot TEXT NOT NULL,
            value TEXT NOT NULL,
            execution_id INTEGER REFERENCES executions(id) ON DELETE SET NULL,
            learned INTEGER NOT NULL DEFAULT (unixepoch()),
            PRIMARY KEY (phrase, slot)
        );",
        ),
    ])
}

/// A phrase the user uses for a slot value ("my browser" for the package `firefox`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LearnedWord {
    /// The phrase, as normalised text.
    pub phrase: String,
    /// The slot it fills (`package`).
    pub slot: String,
    /// What it means there (`firefox`).
    pub value: String,
    /// The change it was learned from.
    pub execution_id: Option<i64>,
}

/// One thing the user asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interaction {
    /// `text`, `chat` or `voice`.
    pub source: String,
    /// What was said or typed.
    pub input: String,
    /// The intent name.
    pub intent: String,
    /// Slots as JSON.
    pub slots: serde_json::Value,
    /// 0 to 1.
    pub confidence: f32,
    /// What Luminous answered.
    pub reply: String,
}

/// One row of history.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HistoryEntry {
    /// Row id.
    pub id: i64,
    /// When, as `YYYY-MM-DD HH:MM:SS` UTC.
    pub at: String,
    /// The interaction.
    #[serde(flatten)]
    pub interaction: Interaction,
    /// Backups of the files a change made from this turn edited.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backups: Vec<String>,
}

/// One execution-log row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Execution {
    /// Row id.
    pub id: i64,
    /// The interaction it came from, if still recorded.
    pub interaction_id: Option<i64>,
    /// When it was planned and started.
    pub planned_at: String,
    /// When it finished (absent when it never finished: a crash or a power cut).
    pub finished_at: Option<String>,
    /// The intent.
    pub intent: String,
    /// The plan's summary.
    pub summary: String,
    /// The plan, as JSON.
    pub plan: serde_json::Value,
    /// How it was confirmed: `yes` (spoken or typed) or `--yes`.
    pub confirmed_by: String,
    /// True when it succeeded.
    pub ok: Option<bool>,
    /// The outcome, as JSON.
    pub outcome: Option<serde_json::Value>,
    /// The later execution that undid it, if one did.
    pub undone_by: Option<i64>,
    /// The files it edited.
    pub edits: Vec<FileEdit>,
}

/// One file a change edited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileEdit {
    /// The file.
    pub file: String,
    /// Its text before the change.
    pub before: String,
    /// Its text after the change.
    pub after: String,
    /// Where its previous text was kept, if a backup was made.
    pub backup: Option<String>,
}

/// A change Luminous made that nothing has undone yet.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// The execution's id.
    pub id: i64,
    /// When it finished.
    pub at: String,
    /// The intent name.
    pub intent: String,
    /// The plan's summary.
    pub summary: String,
    /// The plan, as JSON.
    pub plan: serde_json::Value,
    /// The files it edited, in order.
    pub edits: Vec<FileEdit>,
}

/// The store.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    notice: Option<String>,
}

/// True for the errors of a file that is not (or no longer) a SQLite database.
fn is_damaged(e: &StoreError) -> bool {
    let sql = match e {
        StoreError::Sql(e) => Some(e),
        StoreError::Migration(rusqlite_migration::Error::RusqliteError { err, .. }) => Some(err),
        _ => None,
    };
    sql.and_then(rusqlite::Error::sqlite_error_code)
        .is_some_and(|c| {
            matches!(
                c,
                rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt
            )
        })
}

impl Store {
    /// Open (creating, then migrating) the database at `path`. A file that is not a
    /// database, or a damaged one, is moved aside (kept, never deleted) and a new one is
    /// started; [`Store::notice`] then says so, once.
    pub fn open(path: &Path) -> Result<Store> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::Dir {
                path: dir.display().to_string(),
                source,
            })?;
        }
        match Connection::open(path)
            .map_err(StoreError::from)
            .and_then(Self::init)
        {
            Err(e) if is_damaged(&e) => {
                let stamp = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs());
                let kept = path.with_extension(format!("sqlite.damaged-{stamp}"));
                std::fs::rename(path, &kept).map_err(|source| StoreError::Dir {
                    path: path.display().to_string(),
                    source,
                })?;
                for side in ["-wal", "-shm"] {
                    let mut from = path.as_os_str().to_owned();
                    from.push(side);
                    let mut to = kept.as_os_str().to_owned();
                    to.push(side);
                    let _ = std::fs::rename(from, to);
                }
                let mut store = Self::init(Connection::open(path)?)?;
                store.notice = Some(format!(
                    "Your history database was damaged. I kept it as {} and started a new one.",
                    kept.display()
                ));
                Ok(store)
            }
            other => other,
        }
    }

    /// A throwaway in-memory store (tests, `--no-history`).
    pub fn in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Store> {
        // Before anything else: another Luminous (the daemon, a chat) may be writing.
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        // The package cache is megabytes: read it through the page cache, not page by page.
        conn.pragma_update(None, "mmap_size", 256 * 1024 * 1024)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations().to_latest(&mut conn)?;
        Ok(Store { conn, notice: None })
    }

    /// Something to tell the user about opening the store (a damaged database replaced).
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Record one interaction; returns its id.
    pub fn record_interaction(&self, i: &Interaction) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO interactions (source, input, intent, slots, confidence, reply) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![i.source, i.input, i.intent, i.slots.to_string(), f64::from(i.confidence), i.reply],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Write a plan before it runs; returns the execution id for [`Store::execution_finished`].
    pub fn execution_started(
        &self,
        interaction_id: Option<i64>,
        intent: &str,
        summary: &str,
        plan: &serde_json::Value,
        confirmed_by: &str,
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO executions (interaction_id, intent, summary, plan, confirmed_by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![interaction_id, intent, summary, plan.to_string(), confirmed_by],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Write how a plan ended.
    pub fn execution_finished(&self, id: i64, ok: bool, outcome: &serde_json::Value) -> Result<()> {
        self.conn.execute(
            "UPDATE executions SET finished_at = unixepoch(), ok = ?2, outcome = ?3 WHERE id = ?1",
            params![id, ok, outcome.to_string()],
        )?;
        Ok(())
    }

    /// Record the files a change edited (after it succeeded).
    pub fn record_edits(&self, execution_id: i64, edits: &[FileEdit]) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        for e in edits {
            tx.execute(
                "INSERT INTO file_edits (execution_id, file, before, after, backup) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![execution_id, e.file, e.before, e.after, e.backup],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Mark change `id` as undone by execution `by`.
    pub fn mark_undone(&self, id: i64, by: i64) -> Result<()> {
        let tx = self.conn.unchecked_transaction()?;
        tx.execute(
            "UPDATE executions SET undone_by = ?2 WHERE id = ?1",
            params![id, by],
        )?;
        // What was learned from a change that is undone is not the user's word any more.
        tx.execute(
            "DELETE FROM vocabulary WHERE execution_id = ?1",
            params![id],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every learned word, by phrase.
    pub fn vocabulary(&self) -> Result<Vec<LearnedWord>> {
        let mut st = self.conn.prepare(
            "SELECT phrase, slot, value, execution_id FROM vocabulary ORDER BY phrase, slot",
        )?;
        let rows = st.query_map([], |r| {
            Ok(LearnedWord {
                phrase: r.get(0)?,
                slot: r.get(1)?,
                value: r.get(2)?,
                execution_id: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Remember `w` (replacing what the phrase meant for that slot).
    pub fn learn(&self, w: &LearnedWord) -> Result<()> {
        self.conn.execute(
            "INSERT INTO vocabulary (phrase, slot, value, execution_id) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT(phrase, slot) DO UPDATE SET value = excluded.value,
             execution_id = excluded.execution_id, learned = unixepoch()",
            params![w.phrase, w.slot, w.value, w.execution_id],
        )?;
        Ok(())
    }

    /// Forget one phrase (every slot); `None` forgets them all. Returns how many went.
    pub fn forget_words(&self, phrase: Option<&str>) -> Result<usize> {
        let n = match phrase {
            Some(p) => self
                .conn
                .execute("DELETE FROM vocabulary WHERE phrase = ?1", params![p])?,
            None => self.conn.execute("DELETE FROM vocabulary", [])?,
        };
        Ok(n)
    }

    /// The newest change that succeeded and is not undone (undos themselves excluded, so
    /// that undoing again walks further back).
    pub fn last_change(&self) -> Result<Option<Change>> {
        let row = self
            .conn
            .query_row(
                "SELECT id, datetime(finished_at, 'unixepoch'), intent, summary, plan FROM executions
                 WHERE ok = 1 AND undone_by IS NULL AND intent != 'undo_change'
                 ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Option<String>>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, at, intent, summary, plan)) = row else {
            return Ok(None);
        };
        Ok(Some(Change {
            id,
            at: at.unwrap_or_default(),
            intent,
            summary,
            plan: serde_json::from_str(&plan).unwrap_or(serde_json::Value::Null),
            edits: self.edits_of(id)?,
        }))
    }

    fn edits_of(&self, execution_id: i64) -> Result<Vec<FileEdit>> {
        let mut st = self.conn.prepare(
            "SELECT file, before, after, backup FROM file_edits WHERE execution_id = ?1 ORDER BY id",
        )?;
        let rows = st.query_map([execution_id], |r| {
            Ok(FileEdit {
                file: r.get(0)?,
                before: r.get(1)?,
                after: r.get(2)?,
                backup: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Remember that building the index `key` at `revision` failed, and why.
    pub fn index_failed(&self, key: &str, revision: &str, reason: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO index_failures (key, revision, reason) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET revision = excluded.revision, reason = excluded.reason, at = unixepoch()",
            params![key, revision, reason],
        )?;
        Ok(())
    }

    /// Why building the index `key` at `revision` failed, if it did.
    pub fn index_failure(&self, key: &str, revision: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT reason FROM index_failures WHERE key = ?1 AND revision = ?2",
                params![key, revision],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Forget a recorded index failure (after a successful build, or to try again).
    pub fn clear_index_failure(&self, key: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM index_failures WHERE key = ?1", params![key])?;
        Ok(())
    }

    /// Drop the cached index of `key`.
    pub fn drop_cached_index(&self, key: &str) -> Result<()> {
        self.conn
            .execute("DELETE FROM package_index WHERE key = ?1", params![key])?;
        Ok(())
    }

    /// The most recent interactions, newest first.
    pub fn history(&self, limit: usize) -> Result<Vec<HistoryEntry>> {
        let mut st = self.conn.prepare(
            "SELECT id, datetime(at, 'unixepoch'), source, input, intent, slots, confidence, reply
             FROM interactions ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = st.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
            Ok(HistoryEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                interaction: Interaction {
                    source: r.get(2)?,
                    input: r.get(3)?,
                    intent: r.get(4)?,
                    slots: serde_json::from_str(&r.get::<_, String>(5)?)
                        .unwrap_or(serde_json::Value::Null),
                    confidence: r.get::<_, f64>(6)? as f32,
                    reply: r.get(7)?,
                },
                backups: vec![],
            })
        })?;
        let mut entries: Vec<HistoryEntry> = rows.collect::<std::result::Result<_, _>>()?;
        let mut st = self.conn.prepare(
            "SELECT f.backup FROM file_edits f JOIN executions e ON e.id = f.execution_id
             WHERE e.interaction_id = ?1 AND f.backup IS NOT NULL ORDER BY f.id",
        )?;
        for e in &mut entries {
            let rows = st.query_map([e.id], |r| r.get::<_, String>(0))?;
            e.backups = rows.collect::<std::result::Result<_, _>>()?;
        }
        Ok(entries)
    }

    /// Every execution, oldest first (each with the files it edited).
    pub fn executions(&self) -> Result<Vec<Execution>> {
        let mut st = self.conn.prepare(
            "SELECT id, interaction_id, datetime(planned_at, 'unixepoch'), datetime(finished_at, 'unixepoch'),
                    intent, summary, plan, confirmed_by, ok, outcome, undone_by
             FROM executions ORDER BY id",
        )?;
        let json = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        let rows = st.query_map([], |r| {
            Ok(Execution {
                id: r.get(0)?,
                interaction_id: r.get(1)?,
                planned_at: r.get(2)?,
                finished_at: r.get(3)?,
                intent: r.get(4)?,
                summary: r.get(5)?,
                plan: json(r.get(6)?).unwrap_or(serde_json::Value::Null),
                confirmed_by: r.get(7)?,
                ok: r.get(8)?,
                outcome: json(r.get(9)?),
                undone_by: r.get(10)?,
                edits: vec![],
            })
        })?;
        let mut all: Vec<Execution> = rows.collect::<std::result::Result<_, _>>()?;
        for e in &mut all {
            e.edits = self.edits_of(e.id)?;
        }
        Ok(all)
    }

    /// The output of the most recent failed execution, for "why did my rebuild fail".
    pub fn last_failure(&self) -> Result<Option<String>> {
        let outcome: Option<String> = self
            .conn
            .query_row(
                "SELECT outcome FROM executions WHERE ok = 0 ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(outcome
            .and_then(|o| serde_json::from_str::<serde_json::Value>(&o).ok())
            .map(|v| {
                v["steps"]
                    .as_array()
                    .map(|steps| {
                        steps
                            .iter()
                            .map(|s| {
                                format!(
                                    "{}\n{}",
                                    s["stdout"].as_str().unwrap_or(""),
                                    s["stderr"].as_str().unwrap_or("")
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default()
            }))
    }

    /// Everything the user's record holds, as one JSON document.
    pub fn export(&self) -> Result<serde_json::Value> {
        let mut interactions = self.history(usize::MAX)?;
        interactions.reverse();
        Ok(serde_json::json!({
            "format": "luminous-history",
            "version": 1,
            "interactions": interactions,
            "executions": self.executions()?,
            "preferences": self.preferences()?,
            "vocabulary": self.vocabulary()?,
        }))
    }

    /// Erase the record (interactions, executions, preferences, learned words). The package cache is not
    /// personal and stays. Returns how many rows were deleted.
    pub fn forget(&self) -> Result<usize> {
        let tx = self.conn.unchecked_transaction()?;
        let mut n = tx.execute("DELETE FROM file_edits", [])?;
        n += tx.execute("DELETE FROM executions", [])?;
        n += tx.execute("DELETE FROM interactions", [])?;
        n += tx.execute("DELETE FROM preferences", [])?;
        n += tx.execute("DELETE FROM vocabulary", [])?;
        tx.commit()?;
        self.conn.execute_batch("VACUUM")?;
        Ok(n)
    }

    /// All preferences.
    pub fn preferences(&self) -> Result<std::collections::BTreeMap<String, String>> {
        let mut st = self
            .conn
            .prepare("SELECT name, value FROM preferences ORDER BY name")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Set one preference.
    pub fn set_preference(&self, name: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO preferences (name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            params![name, value],
        )?;
        Ok(())
    }

    /// A cached package index for `key`, if it was built from `revision`.
    pub fn cached_index(&self, key: &str, revision: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .conn
            .query_row(
                "SELECT data FROM package_index WHERE key = ?1 AND revision = ?2",
                params![key, revision],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Cache a package index for `key` built from `revision` (replacing older ones).
    pub fn cache_index(&self, key: &str, revision: &str, data: &[u8]) -> Result<()> {
        self.conn.execute(
            "INSERT INTO package_index (key, revision, data) VALUES (?1, ?2, ?3)
             ON CONFLICT(key) DO UPDATE SET revision = excluded.revision, data = excluded.data, created = unixepoch()",
            params![key, revision, data],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn interaction(input: &str) -> Interaction {
        Interaction {
            source: "text".into(),
            input: input.into(),
            intent: "install_package".into(),
            slots: serde_json::json!({"package": "firefox"}),
            confidence: 0.9,
            reply: "Install Firefox?".into(),
        }
    }

    #[test]
    fn learned_words_round_trip_and_go_with_an_undo_or_forget() {
        let dir = tempfile::tempdir().expect("tempdir");
        let s = Store::open(&dir.path().join("h.sqlite")).expect("open");
        let ex = s
            .execution_started(
                None,
                "install_package",
                "Install Firefox",
                &serde_json::json!({}),
                "yes",
            )
            .expect("start");
        let word = |phrase: &str, value: &str, execution_id| LearnedWord {
            phrase: phrase.into(),
            slot: "package".into(),
            value: value.into(),
            execution_id,
        };
        s.learn(&word("my browser", "firefox", Some(ex)))
            .expect("learn");
        s.learn(&word("the zoom thing", "zoom-us", None))
            .expect("learn");
        assert_eq!(s.vocabulary().expect("list").len(), 2);
        assert_eq!(
            s.export().expect("export")["vocabulary"][0]["phrase"],
            "my browser"
        );
        // Learned again: the newer meaning replaces the older.
        s.learn(&word("my browser", "chromium", Some(ex)))
            .expect("learn");
        assert_eq!(s.vocabulary().expect("list")[0].value, "chromium");
        // Undoing the change it came from forgets it.
        let undo = s
            .execution_started(None, "undo_change", "Undo", &serde_json::json!({}), "yes")
            .expect("start");
        s.mark_undone(ex, undo).expect("undone");
        assert_eq!(
            s.vocabulary().expect("list"),
            vec![word("the zoom thing", "zoom-us", None)]
        );
        assert_eq!(s.forget_words(Some("the zoom thing")).expect("forget"), 1);
        assert_eq!(s.forget_words(Some("the zoom thing")).expect("forget"), 0);
        s.learn(&word("my editor", "neovim", None)).expect("learn");
        assert!(s.forget().expect("forget all") >= 1);
        assert!(s.vocabulary().expect("list").is_empty());
    }

    #[test]
    fn history_execution_log_export_and_forget() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("nested/history.sqlite");
        let s = Store::open(&path).expect("open");
        let id = s
            .record_interaction(&interaction("install firefox"))
            .expect("record");
        let ex = s
            .execution_started(
                Some(id),
                "install_package",
                "Install Firefox",
                &serde_json::json!({"steps": []}),
                "yes",
            )
            .expect("start");
        // Written before it runs: visible, unfinished.
        assert_eq!(s.executions().expect("list")[0].finished_at, None);
        s.execution_finished(
            ex,
            false,
            &serde_json::json!({"ok": false, "steps": [{"stdout": "", "stderr": "error: boom"}]}),
        )
        .expect("finish");
        assert_eq!(
            s.last_failure().expect("failure").as_deref(),
            Some("\nerror: boom")
        );
        s.set_preference("speech_rate", "0.80").expect("pref");
        drop(s);

        // Reopening keeps everything and does not re-run migrations.
        let s = Store::open(&path).expect("reopen");
        assert_eq!(s.history(10).expect("history").len(), 1);
        let export = s.export().expect("export");
        assert_eq!(export["interactions"][0]["input"], "install firefox");
        assert_eq!(export["executions"][0]["ok"], false);
        assert_eq!(export["preferences"]["speech_rate"], "0.80");
        assert_eq!(s.forget().expect("forget"), 3);
        assert!(s.history(10).expect("history").is_empty());
        assert!(
            s.export().expect("export")["executions"]
                .as_array()
                .is_some_and(Vec::is_empty)
        );
    }

    #[test]
    fn index_cache_is_keyed_by_revision() {
        let s = Store::in_memory().expect("store");
        s.cache_index("nixpkgs", "abc", b"data").expect("cache");
        assert_eq!(
            s.cached_index("nixpkgs", "abc").expect("read"),
            Some(b"data".to_vec())
        );
        assert_eq!(s.cached_index("nixpkgs", "def").expect("read"), None);
        s.cache_index("nixpkgs", "def", b"new").expect("cache");
        assert_eq!(s.cached_index("nixpkgs", "abc").expect("read"), None);
    }

    #[test]
    fn changes_with_their_edits_and_undo_marks() {
        let s = Store::in_memory().expect("store");
        assert_eq!(s.last_change().expect("none"), None);
        let plan = serde_json::json!({"steps": []});
        let a = s
            .execution_started(None, "install_package", "Install Firefox", &plan, "yes")
            .expect("start");
        s.execution_finished(a, true, &serde_json::json!({"ok": true}))
            .expect("finish");
        let edit = FileEdit {
            file: "/etc/nixos/configuration.nix".into(),
            before: "old".into(),
            after: "new".into(),
            backup: Some("/b/1.nix".into()),
        };
        s.record_edits(a, std::slice::from_ref(&edit))
            .expect("edits");
        let failed = s
            .execution_started(None, "remove_package", "Remove VLC", &plan, "yes")
            .expect("start");
        s.execution_finished(failed, false, &serde_json::json!({"ok": false}))
            .expect("finish");
        let last = s.last_change().expect("read").expect("a change");
        assert_eq!((last.id, last.edits.clone()), (a, vec![edit]));
        let undo = s
            .execution_started(None, "undo_change", "Undo", &plan, "yes")
            .expect("start");
        s.execution_finished(undo, true, &serde_json::json!({"ok": true}))
            .expect("finish");
        s.mark_undone(a, undo).expect("mark");
        assert_eq!(
            s.last_change().expect("read"),
            None,
            "undos are not undone by undo"
        );
        assert_eq!(s.executions().expect("all")[0].undone_by, Some(undo));
    }

    #[test]
    fn a_damaged_database_is_kept_aside_and_replaced() {
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("history.sqlite");
        std::fs::write(&path, b"this is not a database, it is a shopping list\n").expect("w");
        let s = Store::open(&path).expect("opens anew");
        let notice = s.notice().expect("says so").to_owned();
        assert!(
            notice.starts_with("Your history database was damaged. I kept it as "),
            "{notice}"
        );
        assert!(s.history(5).expect("works").is_empty());
        let kept: Vec<_> = std::fs::read_dir(dir.path())
            .expect("ls")
            .filter_map(std::result::Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("damaged"))
            .collect();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            std::fs::read(kept[0].path()).expect("kept as it was"),
            b"this is not a database, it is a shopping list\n"
        );
        drop(s);
        assert_eq!(
            Store::open(&path).expect("reopen").notice(),
            None,
            "said once"
        );
    }

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }
}
