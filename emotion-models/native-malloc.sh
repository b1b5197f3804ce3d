# Sourced by the scripts that run the models in a JVM (bench/run-java.sh, bench/models.sh, bench/inference.sh,
# bench/ser-forward.sh, emotion-models/evaluate):
# glibc malloc as the inference service runs (its images and the local runtime's ServiceProcess.NATIVE_MALLOC, same
# values): libtorch's forward-pass buffers are kept and reused instead of mapped and faulted in afresh every pass
# (bench/README.md, "glibc malloc and libtorch"). Values already in the environment win.
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-67108864}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-268435456}"
