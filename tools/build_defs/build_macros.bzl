"""Short macros for the rule patterns tfx_core repeats."""

load("@rules_cc//cc:defs.bzl", "cc_binary")

def pybind_extension(name, srcs, deps = [], **kwargs):
    """A Python extension module `<name>.so`: hidden symbols except PyInit_<name>."""
    cc_binary(
        name = name + ".so",
        srcs = srcs,
        linkshared = 1,
        linkstatic = 1,
        copts = ["-fexceptions"],
        linkopts = ["-Wl,--version-script=$(location //tools/build_defs:extension.lds)"],
        deps = deps + [
            "//tools/build_defs:extension.lds",
            "@local_config_tfx_core//:pybind11",
            "@local_config_tfx_core//:numpy_headers",
        ],
        **kwargs
    )

def tf_op_library(name, srcs, deps = [], **kwargs):
    """A TensorFlow custom-op library `<name>.so`, loaded with tf.load_op_library.

    The rpath finds libtensorflow_framework from where the wheel installs us
    (site-packages/tfx_core/ops/ -> site-packages/tensorflow/).
    """
    cc_binary(
        name = name + ".so",
        srcs = srcs,
        linkshared = 1,
        linkstatic = 1,
        linkopts = ["-Wl,-rpath,$$ORIGIN/../../tensorflow"],
        deps = deps + [
            "@local_config_tfx_core//:tf_headers",
            "@local_config_tfx_core//:tf_framework",
        ],
        **kwargs
    )

def py_pytest(name, srcs, deps = [], data = [], args = [], **kwargs):
    """A py_test that runs pytest over `srcs` (tools/pytest_main.py is the entry point)."""
    native.py_test(
        name = name,
        srcs = srcs + ["//tools:pytest_main.py"],
        main = "//tools:pytest_main.py",
        args = args + ["$(location %s)" % s for s in srcs],
        deps = deps,
        data = data,
        python_version = "PY3",
        **kwargs
    )
