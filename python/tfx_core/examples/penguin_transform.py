"""The penguin pipeline's preprocessing_fn: z-scored measurements, body mass in quartiles, a
derived culmen ratio scaled to [0, 1], and the species label."""

import tfx_core.transform as tft

FEATURE_KEYS = ["culmen_length_mm", "culmen_depth_mm", "flipper_length_mm", "body_mass_g"]
LABEL_KEY = "species"


def preprocessing_fn(inputs):
  outputs = {key + "_z": tft.scale_to_z_score(inputs[key]) for key in FEATURE_KEYS}
  outputs["body_mass_quartile"] = tft.bucketize(inputs["body_mass_g"], num_buckets=4)
  ratio = inputs["culmen_length_mm"] / (inputs["culmen_depth_mm"] + 1.0)
  outputs["culmen_ratio_01"] = tft.scale_to_0_1(ratio)
  outputs[LABEL_KEY] = inputs[LABEL_KEY]
  return outputs
