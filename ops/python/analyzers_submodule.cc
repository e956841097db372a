// _tfx_core_ext.analyzers: the Transform's full-pass analyzers over Arrow arrays.
#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "ops/python/arrow_capsule.h"
#include "ops/python/status_casters.h"
#include "ops/python/submodules.h"
#include "pybind11/numpy.h"
#include "pybind11/pybind11.h"
#include "pybind11/stl.h"
#include "tfx_core/transform/analyzers.h"
#include "tfx_core/util/parallel_for.h"

namespace tfx_core {
namespace python {
namespace {

namespace py = pybind11;
using transform::Analyzer;
using transform::CovarianceAnalyzer;
using transform::KeyedMomentsAnalyzer;
using transform::KeyedQuantilesAnalyzer;
using transform::LabeledVocabularyAnalyzer;
using transform::Moments;
using transform::MomentsAnalyzer;
using transform::QuantilesAnalyzer;
using transform::VocabularyAnalyzer;
using transform::WeightedQuantilesAnalyzer;

// Feeds one batch to many analyzers: arrays are imported with the GIL held, then the analyzers
// run in parallel without it. items: (name, analyzer, [arrays]); errors name the analyzer.
void AddBatch(const std::vector<std::tuple<std::string, Analyzer*, py::list>>& items) {
  std::set<const Analyzer*> distinct;  // They run in parallel: each may appear once.
  for (const auto& item : items) {
    if (!distinct.insert(std::get<1>(item)).second) {
      throw py::value_error(StrCat("analyzer '", std::get<0>(item),
                                   "' appears twice in one add_batch call"));
    }
  }
  std::vector<std::vector<std::unique_ptr<arrow::ImportedArray>>> imported(items.size());
  std::vector<std::vector<const arrow::ArrayView*>> views(items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& [name, analyzer, arrays] = items[i];
    for (py::handle array : arrays) {
      if (!IsArrowArray(array)) {
        throw py::value_error(StrCat("analyzer '", name, "': expected an Arrow array, got ",
                                     std::string(py::str(py::type::of(array)))));
      }
      imported[i].push_back(ValueOrThrow(ImportArrowArray(array, name.c_str())));
      views[i].push_back(&imported[i].back()->view());
    }
  }
  std::vector<Status> statuses(items.size());
  {
    py::gil_scoped_release release;
    ParallelForEach(static_cast<int64_t>(items.size()), [&](int64_t i) {
      statuses[i] = std::get<1>(items[i])->Add(views[i]);
    });
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (!statuses[i].ok()) {
      throw py::value_error(StrCat("analyzer '", std::get<0>(items[i]), "': ", statuses[i].message()));
    }
  }
}

// (tokens as bytes, ranks, frequencies) of ranked vocabulary tokens.
py::tuple RankedTuple(const std::vector<transform::RankedToken>& tokens) {
  py::list names;
  py::array_t<double> ranks(tokens.size()), frequencies(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    names.append(py::bytes(tokens[i].token.data(), tokens[i].token.size()));
    ranks.mutable_at(i) = tokens[i].rank;
    frequencies.mutable_at(i) = tokens[i].frequency;
  }
  return py::make_tuple(names, ranks, frequencies);
}

// Selects and writes a vocabulary file without the GIL; returns its size.
int64_t WriteSelected(const std::string& path,
                      const std::function<StatusOr<std::vector<transform::RankedToken>>()>& rank,
                      int64_t top_k, double frequency_threshold, bool store_frequency) {
  StatusOr<int64_t> written = [&]() -> StatusOr<int64_t> {
    py::gil_scoped_release release;
    TFX_ASSIGN_OR_RETURN(std::vector<transform::RankedToken> ranked, rank());
    ranked = transform::SelectTokens(std::move(ranked), top_k, frequency_threshold);
    TFX_RETURN_IF_ERROR(transform::WriteVocabularyFile(path, ranked, store_frequency));
    return static_cast<int64_t>(ranked.size());
  }();
  return ValueOrThrow(std::move(written));
}

py::dict MomentsDict(const Moments& m) {
  py::dict d;
  d["count"] = m.count;
  d["mean"] = m.mean;
  d["var"] = m.variance();
  d["min"] = m.min;
  d["max"] = m.max;
  d["sum"] = m.sum;
  d["int_sum"] = m.int_sum;
  return d;
}

// Registers pickling through the analyzer's byte format (Beam moves accumulators as pickles).
template <typename T, typename Class>
void Picklable(Class& cls) {
  cls.def(py::pickle([](const T& self) { return py::bytes(self.Serialize()); },
                     [](const py::bytes& bytes) {
                       return ValueOrThrow(T::Deserialize(std::string(bytes)));
                     }));
  cls.def_static(
      "deserialize",
      [](const py::bytes& bytes) { return ValueOrThrow(T::Deserialize(std::string(bytes))); },
      py::arg("data"));
}

}  // namespace

void DefineAnalyzersSubmodule(py::module_& parent) {
  py::module_ m = parent.def_submodule("analyzers", "The Transform's full-pass analyzers.");

  py::class_<Analyzer>(m, "Analyzer", "Mergeable, serializable analyzer state.")
      .def(
          "add",
          [](Analyzer& self, const py::list& arrays) { AddBatch({{"analyzer", &self, arrays}}); },
          py::arg("arrays"), "Feeds one batch: the analyzer's input Arrow arrays.")
      .def(
          "merge",
          [](Analyzer& self, const Analyzer& other) {
            py::gil_scoped_release release;
            ThrowIfError(self.Merge(other));
          },
          py::arg("other"))
      .def("serialize", [](const Analyzer& self) { return py::bytes(self.Serialize()); });

  m.def("add_batch", &AddBatch, py::arg("items"),
        "Feeds one batch to many analyzers in parallel: items are (name, analyzer, [arrays]).");

  py::class_<MomentsAnalyzer, Analyzer> moments(
      m, "MomentsAnalyzer",
      "count, sum, mean, var (population), min, max; nulls and NaN skipped. width > 1: per "
      "position of rows of `width` values.");
  moments.def(py::init<int64_t>(), py::arg("width") = 1)
      .def_property_readonly("width", &MomentsAnalyzer::width)
      .def("result", [](const MomentsAnalyzer& self) {
        if (self.width() == 1) return MomentsDict(self.moments());
        py::dict d;  // Lists, one entry per position.
        for (const char* key : {"count", "mean", "var", "min", "max", "sum", "int_sum"}) {
          d[key] = py::list();
        }
        for (int64_t i = 0; i < self.width(); ++i) {
          const py::dict one = MomentsDict(self.moments(i));
          for (auto item : one) d[item.first].cast<py::list>().append(item.second);
        }
        return d;
      });
  Picklable<MomentsAnalyzer>(moments);

  py::class_<CovarianceAnalyzer, Analyzer> covariance(
      m, "CovarianceAnalyzer", "Population covariance of rows of `width` values.");
  covariance.def(py::init<int64_t>(), py::arg("width"))
      .def("result", [](const CovarianceAnalyzer& self) {
        const std::vector<double> c = self.Covariance();
        py::array_t<double> matrix({self.width(), self.width()});
        std::copy(c.begin(), c.end(), matrix.mutable_data());
        py::dict d;
        d["count"] = self.count();
        d["mean"] = py::array_t<double>(self.mean().size(), self.mean().data());
        d["covariance"] = matrix;
        return d;
      });
  Picklable<CovarianceAnalyzer>(covariance);

  py::class_<QuantilesAnalyzer, Analyzer> quantiles(m, "QuantilesAnalyzer",
                                                    "A KLL quantiles sketch of numeric values.");
  quantiles.def(py::init<int, int64_t>(), py::arg("k") = 200, py::arg("width") = 1)
      .def(
          "boundaries",
          [](const QuantilesAnalyzer& self, int num_buckets, int64_t position) {
            if (position < 0 || position >= self.width()) {
              throw py::index_error(StrCat("position ", position, " of a quantiles analyzer of width ",
                                           self.width()));
            }
            const std::vector<double> b = self.Boundaries(num_buckets, position);
            return py::array_t<double>(b.size(), b.data());
          },
          py::arg("num_buckets"), py::arg("position") = 0,
          "num_buckets - 1 boundaries at ranks i / num_buckets (TFT's), repeats kept.")
      .def_property_readonly("width", &QuantilesAnalyzer::width)
      .def_property_readonly("count", &QuantilesAnalyzer::count);
  Picklable<QuantilesAnalyzer>(quantiles);

  py::class_<WeightedQuantilesAnalyzer, Analyzer> weighted_quantiles(
      m, "WeightedQuantilesAnalyzer",
      "Weighted quantiles (inputs: values, one weight per value), TFT's boundary rule.");
  weighted_quantiles.def(py::init<int64_t, int64_t>(), py::arg("capacity") = 4096,
                         py::arg("width") = 1)
      .def(
          "boundaries",
          [](const WeightedQuantilesAnalyzer& self, int num_buckets, int64_t position) {
            if (position < 0 || position >= self.width()) {
              throw py::index_error(StrCat("position ", position, " of a quantiles analyzer of width ",
                                           self.width()));
            }
            const std::vector<double> b = self.Boundaries(num_buckets, position);
            return py::array_t<double>(b.size(), b.data());
          },
          py::arg("num_buckets"), py::arg("position") = 0)
      .def_property_readonly("width", &WeightedQuantilesAnalyzer::width);
  Picklable<WeightedQuantilesAnalyzer>(weighted_quantiles);

  py::class_<KeyedQuantilesAnalyzer, Analyzer> keyed_quantiles(
      m, "KeyedQuantilesAnalyzer",
      "Weighted quantiles per string key (inputs: keys, values, weights).");
  keyed_quantiles.def(py::init<int64_t>(), py::arg("capacity") = 4096)
      .def("__len__", &KeyedQuantilesAnalyzer::size)
      .def(
          "result",
          [](const KeyedQuantilesAnalyzer& self, int num_buckets) {
            py::list keys, boundaries;
            for (int64_t i = 0; i < self.size(); ++i) {
              keys.append(py::bytes(self.key(i).data(), self.key(i).size()));
              const std::vector<double> b = self.Boundaries(i, num_buckets);
              boundaries.append(py::array_t<double>(b.size(), b.data()));
            }
            return py::make_tuple(keys, boundaries);
          },
          py::arg("num_buckets"), "(keys, each key's num_buckets - 1 boundaries).");
  Picklable<KeyedQuantilesAnalyzer>(keyed_quantiles);

  py::class_<VocabularyAnalyzer, Analyzer> vocabulary(
      m, "VocabularyAnalyzer", "Exact token counts (and weight sums) of string values.");
  vocabulary.def(py::init<>())
      .def("__len__", &VocabularyAnalyzer::size)
      .def(
          "ranked", [](const VocabularyAnalyzer& self, bool weighted) {
            return RankedTuple(self.Ranked(weighted));
          },
          py::arg("weighted") = false,
          "(tokens, ranks, frequencies) of every token, unordered: rank = frequency = the "
          "count, or the weight sum if weighted.")
      .def(
          "sorted",
          [](const VocabularyAnalyzer& self, bool weighted, int64_t top_k, double frequency_threshold) {
            return RankedTuple(transform::SelectTokens(self.Ranked(weighted), top_k,
                                                       frequency_threshold));
          },
          py::arg("weighted") = false, py::arg("top_k") = -1, py::arg("frequency_threshold") = 0.0,
          "ranked(), selected and ordered as TFT's vocabulary.")
      .def(
          "write_file",
          [](const VocabularyAnalyzer& self, const std::string& path, bool weighted, int64_t top_k,
             double frequency_threshold, bool store_frequency) {
            return WriteSelected(
                path, [&]() -> StatusOr<std::vector<transform::RankedToken>> {
                  return self.Ranked(weighted);
                },
                top_k, frequency_threshold, store_frequency);
          },
          py::arg("path"), py::arg("weighted") = false, py::arg("top_k") = -1,
          py::arg("frequency_threshold") = 0.0, py::arg("store_frequency") = false,
          "Writes the selected, ordered vocabulary atomically; returns its size.");
  Picklable<VocabularyAnalyzer>(vocabulary);

  py::class_<LabeledVocabularyAnalyzer, Analyzer> labeled(
      m, "LabeledVocabularyAnalyzer",
      "Per-token label co-occurrences (inputs: tokens, labels, weights, row flags), ranked by "
      "mutual information with the label as TFT ranks them.");
  labeled.def(py::init<>())
      .def("__len__", &LabeledVocabularyAnalyzer::size)
      .def(
          "ranked",
          [](const LabeledVocabularyAnalyzer& self, bool adjusted, double min_diff_from_avg) {
            return RankedTuple(ValueOrThrow(self.Ranked(adjusted, min_diff_from_avg)));
          },
          py::arg("adjusted") = false, py::arg("min_diff_from_avg") = std::nan(""),
          "(tokens, ranks, frequencies) of every token, unordered: rank = the (adjusted) mutual "
          "information; min_diff_from_avg NaN: TFT's default for the data size.")
      .def(
          "write_file",
          [](const LabeledVocabularyAnalyzer& self, const std::string& path, int64_t top_k,
             double frequency_threshold, bool store_frequency, bool adjusted,
             double min_diff_from_avg) {
            return WriteSelected(
                path, [&] { return self.Ranked(adjusted, min_diff_from_avg); }, top_k,
                frequency_threshold, store_frequency);
          },
          py::arg("path"), py::arg("top_k") = -1, py::arg("frequency_threshold") = 0.0,
          py::arg("store_frequency") = false, py::arg("adjusted") = false,
          py::arg("min_diff_from_avg") = std::nan(""),
          "Writes the selected, ordered vocabulary atomically; returns its size.");
  Picklable<LabeledVocabularyAnalyzer>(labeled);

  m.def("recommended_min_diff_from_avg", &transform::RecommendedMinDiffFromAvg,
        py::arg("dataset_size"),
        "TFT's calculate_recommended_min_diff_from_avg: 2 up to 10k rows, rising to 25 at 1M.");

  m.def(
      "write_vocabulary_file",
      [](const std::string& path, const std::vector<std::string>& tokens,
         const std::vector<double>& ranks, bool store_frequency) {
        if (tokens.size() != ranks.size()) throw py::value_error("one rank per token is needed");
        std::vector<transform::RankedToken> ranked(tokens.size());
        for (size_t i = 0; i < tokens.size(); ++i) ranked[i] = {tokens[i], ranks[i], ranks[i]};
        Status written = [&] {
          py::gil_scoped_release release;
          return transform::WriteVocabularyFile(path, ranked, store_frequency);
        }();
        ThrowIfError(written);
      },
      py::arg("path"), py::arg("tokens"), py::arg("ranks"), py::arg("store_frequency") = false,
      "Writes tokens, in the order given, as a vocabulary file (\"rank token\" lines if "
      "store_frequency), atomically.");

  py::class_<KeyedMomentsAnalyzer, Analyzer> keyed(m, "KeyedMomentsAnalyzer",
                                                   "Moments of numeric values per string key.");
  keyed.def(py::init<>()).def("result", [](const KeyedMomentsAnalyzer& self) {
    const auto& table = self.table();
    const py::ssize_t n = table.size();
    py::list keys;
    py::array_t<int64_t> count(n);
    py::array_t<double> mean(n), var(n), min(n), max(n), sum(n);
    for (py::ssize_t i = 0; i < n; ++i) {
      const std::string_view key = table.key(i);
      const Moments& m = table.value(i);
      keys.append(py::bytes(key.data(), key.size()));
      count.mutable_at(i) = m.count;
      mean.mutable_at(i) = m.mean;
      var.mutable_at(i) = m.variance();
      min.mutable_at(i) = m.min;
      max.mutable_at(i) = m.max;
      sum.mutable_at(i) = m.sum;
    }
    py::dict d;
    d["keys"] = keys;
    d["count"] = count;
    d["mean"] = mean;
    d["var"] = var;
    d["min"] = min;
    d["max"] = max;
    d["sum"] = sum;
    return d;
  });
  Picklable<KeyedMomentsAnalyzer>(keyed);
}

}  // namespace python
}  // namespace tfx_core
