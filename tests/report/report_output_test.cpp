// The report's files: index.html renders in headless Chromium with no console error
// and shows every chart; bad input gets one line, exit 1, and leaves DIR as it was.
#include <gtest/gtest.h>
#include <png.h>

#include <cstdio>
#include <memory>
#include <regex>

#include "report/report_fixture.h"

using namespace darkscope::test;

namespace {

struct Image {
    int width = 0, height = 0;
    std::vector<png_byte> rgba;  // 4 bytes per pixel
};

Image read_png(const fs::path& path) {
    Image img;
    png_image p{};
    p.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&p, path.c_str())) return img;
    p.format = PNG_FORMAT_RGBA;
    img.rgba.resize(PNG_IMAGE_SIZE(p));
    if (!png_image_finish_read(&p, nullptr, img.rgba.data(), 0, nullptr)) return {};
    img.width = static_cast<int>(p.width);
    img.height = static_cast<int>(p.height);
    return img;
}

// Rows holding a pixel of gnuplot's first line colour (dark violet, 148,0,211),
// grouped into bands: one band per chart drawn on the page.
int chart_bands(const Image& img) {
    int bands = 0, last_row = -1000;
    for (int y = 0; y < img.height; ++y)
        for (int x = 0; x < img.width; ++x) {
            const png_byte* px = &img.rgba[4 * (static_cast<size_t>(y) * img.width + x)];
            if (std::abs(px[0] - 148) < 12 && px[1] < 24 && std::abs(px[2] - 211) < 12) {
                if (y - last_row > 60) ++bands;
                last_row = y;
                break;
            }
        }
    return bands;
}

}  // namespace

TEST(ReportOutput, HtmlRendersInChromiumWithEveryChart) {
    if (run_status("command -v chromium") != 0) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
    TempDir work("report-html");
    const fs::path pcap = work.path() / "three-days.pcap";
    write_pcap(pcap, three_days());
    int status = -1;
    const fs::path out = work.path() / "report";
    const std::string said = run_darkscope("report --out " + out.string() + " " + pcap.string(), &status);
    ASSERT_EQ(status, 0) << said;
    EXPECT_EQ(said, "darkscope report: " + out.string() + "/index.html\n");

    const std::string html = read_text(out / "index.html");
    const std::string md = read_text(out / "report.md");
    for (const char* chart : {"trend.svg", "ports.svg", "countries.svg"}) {
        EXPECT_NE(html.find(std::string("<img src=\"") + chart + "\""), std::string::npos) << chart;
        EXPECT_NE(md.find(std::string("](") + chart + ")"), std::string::npos) << chart;
        const std::string svg = read_text(out / chart);
        EXPECT_NE(svg.find("<svg"), std::string::npos) << chart;
        EXPECT_NE(svg.find("10-05"), std::string::npos) << chart << ": no date on the x axis";
        EXPECT_NE(svg.find("day (UTC)"), std::string::npos) << chart << ": no axis label with the time zone";
    }
    EXPECT_EQ(html.find("http://"), std::string::npos) << "index.html fetches nothing";
    EXPECT_EQ(html.find("https://"), std::string::npos) << "index.html fetches nothing";
    // Nothing else in DIR: the staging directory's leftovers (scripts, logs) are gone.
    std::set<std::string> files;
    for (auto& e : fs::directory_iterator(out)) files.insert(e.path().filename());
    EXPECT_EQ(files, (std::set<std::string>{"countries.svg", "index.html", "ports.svg", "report.json", "report.md", "trend.svg"}));

    const fs::path shot = work.path() / "shot.png";
    const std::string log = run_out("HOME=" + work.path().string() + " chromium --headless --disable-gpu --no-sandbox "
                                    "--user-data-dir=" + (work.path() / "profile").string() +
                                    " --enable-logging=stderr --v=0 --window-size=1100,4200 --virtual-time-budget=5000"
                                    " --screenshot=" + shot.string() + " file://" + (out / "index.html").string(), &status);
    ASSERT_EQ(status, 0) << log;
    EXPECT_EQ(log.find("CONSOLE"), std::string::npos) << log;
    EXPECT_EQ(log.find("Failed to load"), std::string::npos) << log;
    EXPECT_EQ(log.find("ERR_FILE_NOT_FOUND"), std::string::npos) << log;
    const Image img = read_png(shot);
    ASSERT_EQ(img.width, 1100) << log;
    EXPECT_EQ(chart_bands(img), 3) << "the screenshot should show the three charts";
}

namespace {

// Runs a report that must fail: one line, exit 1, DIR's files unchanged.
void expect_refused(const std::string& args, const fs::path& dir, const std::string& line) {
    const auto before = snapshot_dir(dir);
    int status = -1;
    const std::string said = run_darkscope(args, &status);
    EXPECT_EQ(status, 1) << said;
    EXPECT_EQ(said, "darkscope: error: " + line + "\n");
    EXPECT_EQ(snapshot_dir(dir), before);
    for (auto& e : fs::directory_iterator(dir.parent_path()))
        EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << "left behind: " << e.path();
}

}  // namespace

TEST(ReportOutput, BadInputIsOneLineAndLeavesDirUnchanged) {
    TempDir work("report-errors");
    const fs::path out = work.path() / "out";
    fs::create_directories(out);
    std::ofstream(out / "index.html") << "an earlier report\n";
    const std::string o = " --out " + out.string();

    expect_refused("report --prometheus http://127.0.0.1:1 --from 2024-10-04 --to 2024-10-06" + o, out,
                   "cannot reach Prometheus at http://127.0.0.1:1: Couldn't connect to server");
    expect_refused("report --prometheus http://127.0.0.1:1 --from 2024-10-04 --to 2024-10-03" + o, out,
                   "--to 2024-10-03 is before --from 2024-10-04");
    expect_refused("report --prometheus http://127.0.0.1:1 --from 2024-10-04 --to 2024-13-01" + o, out,
                   "--to '2024-13-01' is not a date (YYYY-MM-DD)");

    const fs::path empty = work.path() / "empty.pcap";
    write_pcap(empty, {});
    expect_refused("report" + o + " " + empty.string(), out, "the captures hold no frame: an empty period");

    const fs::path pcap = work.path() / "three-days.pcap";
    write_pcap(pcap, three_days());
    std::ofstream(work.path() / "a-file") << "x";
    const fs::path under_file = work.path() / "a-file" / "out";
    expect_refused("report --out " + under_file.string() + " " + pcap.string(), out,
                   "cannot write " + under_file.string() + ": Not a directory");
}
