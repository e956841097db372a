"""Repository rule exposing the configured Python, pybind11, numpy, TensorFlow and CUDA.

tools/configure.py writes `--repo_env=TFX_CORE_PYTHON=...` (and TFX_CORE_CUDA when nvcc exists)
to .bazelrc.user; this rule re-runs whenever those change.
"""

_PYTHON = "TFX_CORE_PYTHON"
_CUDA = "TFX_CORE_CUDA"

_BUILD = """
load("@bazel_tools//tools/python:toolchain.bzl", "py_runtime_pair")

package(default_visibility = ["//visibility:public"])

cc_library(
    name = "python_headers",
    hdrs = glob(["python_include/**/*.h"]),
    includes = ["python_include"],
)

cc_library(
    name = "pybind11",
    hdrs = glob(["pybind11_include/**/*.h"]),
    includes = ["pybind11_include"],
    deps = [":python_headers"],
)

cc_library(
    name = "numpy_headers",
    hdrs = glob(["numpy_include/**/*.h"]),
    includes = ["numpy_include"],
)

cc_library(
    name = "tf_headers",
    hdrs = glob(["tf_include/**"], exclude = ["tf_include/**/*.py"]),
    includes = ["tf_include"],
    defines = {tf_defines},
)

cc_import(
    name = "tf_framework",
    shared_library = "tf_lib/{tf_framework}",
)

# libtensorflow_cc holds the session, SavedModel loader and CPU kernels a C++ server needs.
cc_import(
    name = "tf_cc",
    shared_library = "tf_lib/{tf_cc}",
)

# Arrow and Parquet C++ from the pyarrow wheel. Their headers need C++20, and their bundled
# dependencies (abseil among them) clash with TensorFlow's, so only a shared object loaded with
# RTLD_DEEPBIND links them (ops/serving/parquet_writer.h).
cc_library(
    name = "arrow_parquet",
    hdrs = glob(["pyarrow_include/arrow/**/*.h", "pyarrow_include/parquet/**/*.h"]),
    includes = ["pyarrow_include"],
    linkopts = ["-L{pyarrow_lib_dir}", "-l:{libarrow}", "-l:{libparquet}"],
)

cc_library(
    name = "cudart_static",
    srcs = {cudart},
    linkopts = ["-ldl", "-lpthread", "-lrt"],
)

py_runtime(
    name = "python3_runtime",
    interpreter_path = "{python}",
    python_version = "PY3",
    stub_shebang = "#!{python}",
)

py_runtime_pair(
    name = "python_runtimes",
    py3_runtime = ":python3_runtime",
)

toolchain(
    name = "python_toolchain",
    toolchain = ":python_runtimes",
    toolchain_type = "@bazel_tools//tools/python:toolchain_type",
)
"""

_DEFS = """
# Written by tfx_core_local_config; see tools/build_defs/local_config.bzl.
PYTHON = "{python}"
TF_VERSION = "{tf_version}"
TF_DISTRIBUTION = "{tf_distribution}"
PYTHON_VERSION = "{python_version}"
NVCC = "{nvcc}"
PROTOC = "{protoc}"
TF_LIB_DIR = "{tf_lib_dir}"
PYARROW_LIB_DIR = "{pyarrow_lib_dir}"
PYARROW_VERSION = "{pyarrow_version}"
CUDA_INCLUDE = "{cuda_include}"
"""

def _impl(ctx):
    python = ctx.os.environ.get(_PYTHON, "")
    if not python:
        fail("tfx_core is not configured: %s is unset. Run `tools/bootstrap.sh` " % _PYTHON +
             "(or `python3 tools/configure.py` in an existing venv) in the repository root.")
    probe = ctx.execute([python, ctx.path(Label("//tools/build_defs:probe.py"))], timeout = 600)
    if probe.return_code != 0:
        fail("tfx_core configure probe failed with %s (%s); re-run tools/bootstrap.sh:\n%s" %
             (python, _PYTHON, probe.stderr))
    info = json.decode(probe.stdout)
    ctx.symlink(info["python_include"], "python_include")
    ctx.symlink(info["pybind11_include"], "pybind11_include")
    ctx.symlink(info["numpy_include"], "numpy_include")
    ctx.symlink(info["tf_include"], "tf_include")
    ctx.symlink(info["tf_lib_dir"], "tf_lib")
    ctx.symlink(info["pyarrow_include"], "pyarrow_include")

    cuda = ctx.os.environ.get(_CUDA, "")
    nvcc = ""
    cuda_include = ""
    cudart = "[]"
    if cuda:
        # nvcc must run from its real path so it finds its own configuration.
        nvcc = ctx.execute(["readlink", "-f", cuda + "/bin/nvcc"]).stdout.strip()
        ctx.symlink(cuda + "/include", "cuda_include")
        ctx.symlink(cuda + "/lib64/libcudart_static.a", "cuda_lib/libcudart_static.a")
        cuda_include = str(ctx.path("cuda_include"))
        cudart = '["cuda_lib/libcudart_static.a"]'

    ctx.file("BUILD", _BUILD.format(
        python = python,
        tf_defines = repr(info["tf_defines"]),
        tf_framework = info["tf_framework"],
        tf_cc = info["tf_cc"],
        cudart = cudart,
        pyarrow_lib_dir = info["pyarrow_lib_dir"],
        libarrow = info["libarrow"],
        libparquet = info["libparquet"],
    ))
    ctx.file("defs.bzl", _DEFS.format(
        python = python,
        tf_version = info["tf_version"],
        tf_distribution = info["tf_distribution"],
        python_version = info["python_version"],
        nvcc = nvcc,
        protoc = info["protoc"],
        tf_lib_dir = info["tf_lib_dir"],
        pyarrow_lib_dir = info["pyarrow_lib_dir"],
        pyarrow_version = info["pyarrow_version"],
        cuda_include = cuda_include,
    ))

tfx_core_local_config = repository_rule(
    implementation = _impl,
    environ = [_PYTHON, _CUDA],
    local = True,
)
