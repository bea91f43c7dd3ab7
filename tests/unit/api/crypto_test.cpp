#include "crypto.h"

#include <gtest/gtest.h>

namespace dohost::api::crypto {
namespace {

std::string hex(const std::optional<std::string>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes.value_or("")) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

TEST(Crypto, DigestsMatchKnownVectors) {
  EXPECT_EQ(hex(digest("SHA-256", "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex(digest("SHA-1", "")), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  EXPECT_EQ(hex(digest("MD5", "abc")), "900150983cd24fb0d6963f7d28e17f72");
  EXPECT_EQ(digest("SHA-7", "abc"), std::nullopt);
}

TEST(Crypto, HmacMatchesAKnownVector) {
  EXPECT_EQ(hex(hmac("SHA-256", "key", "The quick brown fox jumps over the lazy dog")),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
}

TEST(Crypto, AesGcmRoundTripsAndRejectsATamperedTag) {
  std::string key(16, '\x07');
  std::string iv(12, '\x01');
  auto sealed = aesGcm(true, key, iv, "secret", "", 16);
  ASSERT_TRUE(sealed);
  EXPECT_EQ(hex(sealed), "d267af9aefc056e09783c70c59e1875ddad0cb9445a6");
  EXPECT_EQ(aesGcm(false, key, iv, *sealed, "", 16), "secret");
  std::string tampered = *sealed;
  tampered[0] ^= 1;
  EXPECT_EQ(aesGcm(false, key, iv, tampered, "", 16), std::nullopt);
  EXPECT_EQ(aesGcm(true, std::string(15, 'k'), iv, "x", "", 16), std::nullopt);
}

TEST(Crypto, Pbkdf2AndHkdf) {
  EXPECT_EQ(hex(pbkdf2("SHA-256", "password", "salt", 2, 32)),
            "ae4d0c95af6b46d32d0adff928f06dd02a303f8ef3c251dfd6e2d85a95474c43");
  EXPECT_EQ(pbkdf2("SHA-256", "password", "salt", 0, 32), std::nullopt);
  EXPECT_EQ(hex(hkdf("SHA-256", "ikm", "salt", "info", 16)), "fe8f9615d2374c0d17f77d1aeaf408c2");
}

TEST(Crypto, EcdsaKeysSignVerifyAndExport) {
  auto pair = generate("EC", "P-256");
  ASSERT_TRUE(pair);
  auto signature = sign("SHA-256", pair->pkcs8, "msg");
  ASSERT_TRUE(signature);
  EXPECT_EQ(signature->size(), 64u);
  EXPECT_TRUE(verify("SHA-256", pair->spki, *signature, "msg"));
  EXPECT_FALSE(verify("SHA-256", pair->spki, *signature, "msh"));
  EXPECT_FALSE(verify("SHA-256", pair->spki, signature->substr(1), "msg"));

  auto raw = exportRaw(pair->spki);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->size(), 65u);
  auto reimported = importRaw("EC", "P-256", *raw);
  ASSERT_TRUE(reimported.key);
  EXPECT_EQ(reimported.key->der, pair->spki);

  auto jwk = exportJwk(pair->pkcs8, true);
  ASSERT_TRUE(jwk);
  auto fromJwk = importJwk("EC", "P-256", jwk->x, jwk->y, jwk->d);
  ASSERT_TRUE(fromJwk.key);
  EXPECT_TRUE(fromJwk.key->isPrivate);

  EXPECT_EQ(importRaw("EC", "P-256", std::string(10, '\0')).error,
            "Failed to import raw EC key data: Invalid point encoding..");
  EXPECT_FALSE(importSpki("Ed25519", pair->spki).key);
}

TEST(Crypto, Ed25519VerifiesTheRfc8032Vector) {
  auto decode = [](const std::string& hexText) {
    std::string out;
    for (size_t i = 0; i < hexText.size(); i += 2) {
      out += static_cast<char>(std::stoi(hexText.substr(i, 2), nullptr, 16));
    }
    return out;
  };
  auto key = importRaw("Ed25519", "Ed25519",
                       decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"));
  ASSERT_TRUE(key.key);
  auto signature = decode(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9"
      "b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(verify("", key.key->der, signature, ""));
  EXPECT_FALSE(verify("", key.key->der, signature, "x"));
}

}  // namespace
}  // namespace dohost::api::crypto
