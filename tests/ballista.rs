//! The same detection on a Ballista cluster: a scheduler and two executors (`lightsout
//! cluster ...`, separate processes on loopback ports chosen free), the demo case (MRT) and
//! the golden lake of `detect_golden.rs` (traceroutes, pings, DNS: `ip_to_asn` on the
//! executors) detected through them, and every output compared byte for byte with a local
//! run. The processes are killed when the test ends, whether it passes or panics.
//!
//! Needs the `ballista` feature: `cargo test --features ballista --test ballista`.

mod common;

use common::tree;

use assert_cmd::Command;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Server processes, killed and reaped on drop (also while a panic unwinds).
struct Cluster {
    children: Vec<(String, Child, PathBuf)>,
}

impl Cluster {
    fn spawn(&mut self, name: &str, args: &[String], logs: &Path) {
        let log = logs.join(format!("{name}.log"));
        let file = std::fs::File::create(&log).unwrap();
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("lightsout"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        self.children.push((name.to_string(), child, log));
    }

    /// Waits until `port` accepts connections; fails early when a server died.
    fn wait_for(&mut self, port: u16, what: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            for (name, child, log) in &mut self.children {
                if let Ok(Some(status)) = child.try_wait() {
                    panic!("{name} exited ({status}): {}", std::fs::read_to_string(log).unwrap_or_default());
                }
            }
            assert!(Instant::now() < deadline, "{what} did not listen on port {port} within 60 s");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, child, _) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `n` distinct loopback ports that were free a moment ago (held together, then released).
fn free_ports(n: usize) -> Vec<u16> {
    let listeners: Vec<TcpListener> = (0..n).map(|_| TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    listeners.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

fn detect(case: &Path, lake: &Path, out: &Path, engine: &str) -> Duration {
    let started = Instant::now();
    Command::cargo_bin("lightsout")
        .unwrap()
        .arg("detect")
        .arg(case)
        .arg("--lake")
        .arg(lake)
        .arg("--out")
        .arg(out)
        .args(["--engine", engine])
        .timeout(Duration::from_secs(900))
        .assert()
        .success();
    started.elapsed()
}

#[test]
fn demo_case_on_a_ballista_cluster_gives_the_local_outputs_byte_for_byte() {
    let d = tempfile::tempdir().unwrap();
    let data = d.path().join("data");
    let lake = d.path().join("lake");
    let run = |args: &[&std::ffi::OsStr]| Command::cargo_bin("lightsout").unwrap().args(args).assert().success();
    run(&["synth".as_ref(), "demo".as_ref(), "--out".as_ref(), data.as_os_str()]);
    run(&["ingest".as_ref(), "--lake".as_ref(), lake.as_os_str(), data.join("mrt").as_os_str()]);
    let golden_lake = d.path().join("golden-lake");
    common::golden_lake::build_lake(&golden_lake);
    let golden_case = d.path().join("golden.toml");
    std::fs::write(&golden_case, common::golden_lake::CASE).unwrap();
    let cases = [("demo", data.join("case.toml"), lake), ("golden", golden_case, golden_lake)];

    let mut local = Vec::new();
    for (name, case, lake) in &cases {
        local.push(detect(case, lake, &d.path().join(format!("{name}-local")), "local"));
    }

    let logs = d.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let ports = free_ports(5);
    let scheduler = format!("127.0.0.1:{}", ports[0]);
    let mut cluster = Cluster { children: Vec::new() };
    cluster.spawn("scheduler", &["cluster".into(), "scheduler".into(), "--bind".into(), scheduler.clone()], &logs);
    cluster.wait_for(ports[0], "the scheduler");
    for (i, p) in ports[1..].chunks(2).enumerate() {
        let work = d.path().join(format!("executor{i}"));
        std::fs::create_dir_all(&work).unwrap();
        let args = [
            "cluster",
            "executor",
            "--scheduler",
            &scheduler,
            "--port",
            &p[0].to_string(),
            "--grpc-port",
            &p[1].to_string(),
            "--work-dir",
            work.to_str().unwrap(),
            "--concurrent-tasks",
            "2",
        ];
        cluster.spawn(&format!("executor{i}"), &args.map(String::from), &logs);
    }
    cluster.wait_for(ports[1], "executor 0");
    cluster.wait_for(ports[3], "executor 1");

    for ((name, case, lake), local) in cases.iter().zip(local) {
        let local_out = d.path().join(format!("{name}-local"));
        let cluster_out = d.path().join(format!("{name}-cluster"));
        let remote = detect(case, lake, &cluster_out, &format!("ballista://{scheduler}"));
        eprintln!("detect {name}: local {:.1} s, Ballista (1 scheduler, 2 executors) {:.1} s", local.as_secs_f64(), remote.as_secs_f64());
        let (a, b) = (tree(&local_out), tree(&cluster_out));
        assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>(), "{name}: the same files (and no .derived left)");
        for file in
            ["signals.parquet", "windows.parquet", "windows.csv", "events.parquet", "events.csv", "footprint.parquet", "manifest.json"]
        {
            assert!(a.contains_key(Path::new(file)), "{name}: {file} missing");
        }
        for (k, v) in &a {
            assert!(b[k] == *v, "{name}: {} differs between the local and the cluster run", k.display());
        }
    }
    drop(cluster);
}
