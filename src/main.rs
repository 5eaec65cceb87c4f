use std::process::ExitCode;

fn main() -> ExitCode {
    tune_allocator();
    kyma_mesh::run(std::env::args_os())
}

/// glibc's malloc, set for a process that reads large list pages (a page of 500 pods is about
/// 7 MB of JSON) on a few threads. By default it raises its mmap threshold to the size of the
/// largest block freed, so after the first page every page body comes from the heap, where
/// freed pages stay mapped (fragments of them in use) and each thread's arena keeps its own:
/// the process's peak RSS was 2 to 3 times its peak heap (measured with heaptrack, 10,000
/// pods: 22 MB heap, 61 MB RSS). A fixed threshold returns each page's memory when it is freed,
/// and two arenas are enough for the runtime's few worker threads (same run: 32 MB RSS, time
/// unchanged).
fn tune_allocator() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets malloc's parameters; it is called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1024 * 1024);
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
