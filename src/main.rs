use std::process::ExitCode;

fn main() -> ExitCode {
    kyma_mesh::run(std::env::args_os())
}
