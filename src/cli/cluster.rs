//! `lightsout cluster scheduler|executor` (feature `ballista`)
//!
//! Starts a Ballista scheduler or executor that knows lightsout's SQL functions, through the
//! Ballista crates' library entry points (`src/cluster/`). Runs until stopped (SIGTERM,
//! Ctrl-C). Logs go to stderr (`RUST_LOG`, default `warn`).

use lightsout::cluster::{executor, scheduler};
use std::net::SocketAddr;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run a scheduler: clients (`detect --engine ballista://HOST:PORT`) and executors connect to it.
    Scheduler {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:50050")]
        bind: SocketAddr,
    },
    /// Run an executor: it registers with the scheduler and runs the tasks it is given.
    Executor {
        /// The scheduler's HOST:PORT.
        #[arg(long, default_value = "127.0.0.1:50050")]
        scheduler: String,
        /// Address to bind.
        #[arg(long, default_value = "127.0.0.1")]
        bind_host: String,
        /// Host name or address other executors and clients reach this one by (default: the bind address).
        #[arg(long)]
        external_host: Option<String>,
        /// Arrow Flight port (results and shuffle data).
        #[arg(long, default_value_t = 50051)]
        port: u16,
        /// gRPC port.
        #[arg(long, default_value_t = 50052)]
        grpc_port: u16,
        /// Folder for shuffle files (default: a temporary folder).
        #[arg(long)]
        work_dir: Option<String>,
        /// Tasks run at once (default: one per core).
        #[arg(long, default_value_t = 0)]
        concurrent_tasks: usize,
    },
}

pub fn run(c: Command) -> anyhow::Result<i32> {
    // Ballista logs through `log`: warnings and errors by default, RUST_LOG=info for more.
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    // Deep plans are decoded recursively: the stock scheduler runs with 32 MiB stacks too.
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().thread_stack_size(32 << 20).build()?;
    match c {
        Command::Scheduler { bind } => {
            eprintln!("lightsout cluster scheduler: listening on {bind}");
            rt.block_on(scheduler::run(bind))?;
        }
        Command::Executor { scheduler, bind_host, external_host, port, grpc_port, work_dir, concurrent_tasks } => {
            let (host, sport) = scheduler.rsplit_once(':').ok_or_else(|| anyhow::anyhow!("--scheduler {scheduler}: expected HOST:PORT"))?;
            let scheduler_port = sport.parse().map_err(|_| anyhow::anyhow!("--scheduler {scheduler}: bad port"))?;
            let o = executor::ExecutorOptions {
                scheduler_host: host.to_string(),
                scheduler_port,
                external_host: external_host.or_else(|| Some(bind_host.clone())),
                bind_host,
                flight_port: port,
                grpc_port,
                work_dir,
                concurrent_tasks,
            };
            eprintln!("lightsout cluster executor: flight {}:{port}, scheduler {scheduler}", o.bind_host);
            rt.block_on(executor::run(o))?;
        }
    }
    Ok(0)
}
